"""The parts every service wires the same way from its settings, for its composition root.

A service's ``app.py`` builds a ``ServiceKit``, adds its own handlers, clients and background parts,
and asks the kit for the FastStream app, the HTTP app and the runner, so telemetry, the engine, the
broker with its retry middleware, the outbox relay, the heartbeat and the inbox purger are wired
once, here, for every service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from faststream import FastStream
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from gridstream.runtime.broker import build_broker
from gridstream.runtime.database import create_engine, session_maker
from gridstream.runtime.heartbeat import Heartbeat
from gridstream.runtime.http import build_health_app, database_check, nats_check
from gridstream.runtime.inbox import InboxPurger
from gridstream.runtime.migrations import run_migrations
from gridstream.runtime.outbox import notify_after_commit
from gridstream.runtime.publishing import publish, publish_raw
from gridstream.runtime.relay import OutboxRelay
from gridstream.runtime.service import Lifecycle, ServiceRunner
from gridstream.runtime.settings import ServiceSettings
from gridstream.runtime.streams import ensure_streams
from gridstream.runtime.telemetry import Telemetry, setup_telemetry

Step = Callable[[], Awaitable[object]]
"""A start-up or shutdown step (e.g. applying configured state, closing a client)."""


@dataclass(frozen=True, slots=True)
class ServiceKit:
    """Telemetry, metrics registry, engine, sessions, broker and outbox relay of one process."""

    settings: ServiceSettings
    version: str
    telemetry: Telemetry
    registry: CollectorRegistry
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    broker: NatsBroker
    relay: OutboxRelay

    @classmethod
    def build(cls, settings: ServiceSettings, version: str) -> ServiceKit:
        """Wire the shared parts; nothing connects until the runner starts."""
        service = settings.service_name
        telemetry = setup_telemetry(service, version=version)
        registry = CollectorRegistry()
        engine = create_engine(
            settings.database_url,
            settings.service_schema,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            idle_in_transaction_timeout=settings.database_idle_transaction_timeout,
        )
        sessions = session_maker(engine)
        broker = build_broker(
            nats_url=settings.nats_url,
            service=service,
            max_deliver=settings.max_deliver,
            retry_base_delay=settings.retry_base_delay,
            retry_max_delay=settings.retry_max_delay,
            tracer_provider=telemetry.tracer_provider,
            meter_provider=telemetry.meter_provider,
            prometheus_registry=registry,
        )
        relay = OutboxRelay(
            sessions,
            partial(publish_raw, broker),
            poll_interval=settings.outbox_poll_interval,
            batch_size=settings.outbox_batch_size,
            retry_base_delay=settings.retry_base_delay,
            retry_max_delay=settings.retry_max_delay,
            retention=settings.outbox_retention,
            max_attempts=settings.outbox_max_attempts,
            lease=settings.outbox_lease,
            registry=registry,
        )
        # Events committed to the outbox go out at once, not at the relay's next poll.
        notify_after_commit(sessions, relay.notify)
        return cls(settings, version, telemetry, registry, engine, sessions, broker, relay)

    def heartbeat(self, instance: str, clock: Callable[[], datetime]) -> Heartbeat:
        """The ServiceHeartbeat publisher of this process."""
        return Heartbeat(
            self.settings.service_name,
            partial(publish, self.broker),
            interval=self.settings.heartbeat_interval,
            version=self.version,
            instance=instance,
            clock=clock,
        )

    def faststream_app(self, migrations: str, *, prepare: Sequence[Step] = ()) -> FastStream:
        """The broker app: migrate the schema, run ``prepare``, then declare the streams."""
        settings = self.settings

        async def migrate() -> None:
            await run_migrations(self.engine, settings.service_schema, migrations)
            for step in prepare:
                await step()

        async def streams() -> None:
            await ensure_streams(self.broker.connection.jetstream())

        return FastStream(
            self.broker,
            on_startup=[migrate],
            after_startup=[streams],
            specification=AsyncAPI(
                title=f"gridstream {settings.service_name}", version=self.version
            ),
        )

    def health_app(self, routes: Sequence[BaseRoute] = ()) -> Starlette:
        """/healthz, /readyz (NATS and the database), /metrics, and the service's own routes."""
        checks = {
            "nats": nats_check(lambda: self.broker.connection),
            "database": database_check(self.engine),
        }
        return build_health_app(checks, self.registry, extra_routes=routes)

    def runner(
        self,
        app: FastStream,
        asgi: Starlette,
        *,
        background: Sequence[Lifecycle] = (),
        on_stop: Sequence[Step] = (),
    ) -> ServiceRunner:
        """Runs HTTP, the broker app, the relay, ``background`` and the inbox purger, in order.

        ``on_stop`` steps run after everything stopped, before the engine and telemetry close.
        """

        async def dispose() -> None:
            await self.engine.dispose()

        async def shutdown_telemetry() -> None:
            self.telemetry.shutdown()

        purger = InboxPurger(self.sessions, self.settings.inbox_retention)
        return ServiceRunner(
            app,
            asgi,
            host=self.settings.http_host,
            port=self.settings.http_port,
            background=[self.relay, *background, purger],
            on_stop=[*on_stop, dispose, shutdown_telemetry],
        )
