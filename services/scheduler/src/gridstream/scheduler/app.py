"""Composition root: settings -> engine, broker, relay, firing loop -> outcome handlers and the API."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from faststream import FastStream
from faststream.specification import AsyncAPI
from prometheus_client import CollectorRegistry

from gridstream.contracts import utcnow
from gridstream.runtime import (
    Heartbeat,
    InboxPurger,
    OutboxRelay,
    ServiceRunner,
    build_broker,
    build_health_app,
    create_engine,
    database_check,
    ensure_streams,
    instance_id,
    nats_check,
    notify_after_commit,
    publish,
    publish_raw,
    run_migrations,
    session_maker,
    setup_telemetry,
)
from gridstream.scheduler.api import ApiDeps, build_routes
from gridstream.scheduler.desired import apply_desired_state
from gridstream.scheduler.firing import FiringDeps, FiringLoop
from gridstream.scheduler.handlers import OutcomeDeps, register_handlers
from gridstream.scheduler.settings import SchedulerSettings

VERSION = "0.1.0"
MIGRATIONS = "gridstream.scheduler.migrations.versions"


@dataclass(frozen=True, slots=True)
class Scheduler:
    """A wired scheduler process; `runner` starts and stops all of it."""

    settings: SchedulerSettings
    runner: ServiceRunner
    firing: FiringLoop
    relay: OutboxRelay
    owner: str


def build_scheduler(
    settings: SchedulerSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    owner: str | None = None,
) -> Scheduler:
    """Wire one scheduler process from its settings; nothing connects until it is started."""
    service = settings.service_name
    telemetry = setup_telemetry(service, version=VERSION)
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
    notify_after_commit(sessions, relay.notify)
    owner = owner or instance_id()
    firing = FiringLoop(
        FiringDeps(
            sessions=sessions,
            clock=clock,
            owner=owner,
            lease_seconds=settings.lease_seconds,
            max_idle=settings.max_idle,
            outcome_timeout=settings.outcome_timeout,
            history_retention=settings.history_retention,
        )
    )
    register_handlers(broker, OutcomeDeps(sessions, clock, service, firing.wake))

    async def prepare() -> None:
        await run_migrations(engine, settings.service_schema, MIGRATIONS)
        await apply_desired_state(sessions, settings, clock())

    async def streams() -> None:
        await ensure_streams(broker.connection.jetstream())

    app = FastStream(
        broker,
        on_startup=[prepare],
        after_startup=[streams],
        specification=AsyncAPI(title="gridstream scheduler", version=VERSION),
    )
    heartbeat = Heartbeat(
        service,
        partial(publish, broker),
        interval=settings.heartbeat_interval,
        version=VERSION,
        instance=owner,
        clock=clock,
    )
    api = ApiDeps(sessions, clock, settings.admin_token, owner, firing.wake)
    asgi = build_health_app(
        {"nats": nats_check(lambda: broker.connection), "database": database_check(engine)},
        registry,
        extra_routes=build_routes(api),
    )

    async def dispose() -> None:
        await engine.dispose()

    async def shutdown_telemetry() -> None:
        telemetry.shutdown()

    runner = ServiceRunner(
        app,
        asgi,
        host=settings.http_host,
        port=settings.http_port,
        background=[relay, heartbeat, firing, InboxPurger(sessions, settings.inbox_retention)],
        on_stop=[dispose, shutdown_telemetry],
    )
    return Scheduler(settings, runner, firing, relay, owner)
