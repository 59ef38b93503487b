"""Composition root: settings -> engine, broker, ENTSO-E client, relay, worker -> handlers and APIs."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import httpx
from faststream import FastStream
from faststream.specification import AsyncAPI
from prometheus_client import CollectorRegistry

from gridstream.collector.api import build_routes
from gridstream.collector.backfill import BackfillDeps
from gridstream.collector.collect import CollectDeps
from gridstream.collector.entsoe.client import EntsoeClient
from gridstream.collector.handlers import HandlerDeps, register_handlers
from gridstream.collector.limiter import PostgresRateLimiter, bucket_name
from gridstream.collector.planning import PlanningPolicy
from gridstream.collector.rpc import register_rpc
from gridstream.collector.settings import CollectorSettings
from gridstream.collector.worker import BackfillWorker
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

VERSION = "0.1.0"
MIGRATIONS = "gridstream.collector.migrations.versions"


@dataclass(frozen=True, slots=True)
class Collector:
    """A wired collector process; `runner` starts and stops all of it."""

    settings: CollectorSettings
    runner: ServiceRunner
    client: EntsoeClient
    worker: BackfillWorker
    relay: OutboxRelay


def build_collector(
    settings: CollectorSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    entsoe_transport: httpx.AsyncBaseTransport | None = None,
) -> Collector:
    """Wire one collector process from its settings; nothing connects until it is started."""
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
    token = settings.entsoe_api_token
    limiter = PostgresRateLimiter(
        engine,
        bucket_name(token.get_secret_value()),
        settings.entsoe_rate_per_second,
        settings.entsoe_burst,
    )
    client = EntsoeClient(
        settings.entsoe_api_url,
        token,
        rate_limiter=limiter,
        timeout=settings.entsoe_timeout,
        max_retries=settings.entsoe_max_retries,
        backoff_base=settings.entsoe_backoff_base,
        backoff_cap=settings.entsoe_backoff_cap,
        max_retry_after=settings.entsoe_max_retry_after,
        transport=entsoe_transport,
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
    owner = instance_id()
    backfill = BackfillDeps(
        sessions=sessions,
        fetcher=client,
        clock=clock,
        owner=owner,
        lease_seconds=settings.backfill_lease,
        retry_base=settings.backfill_retry_base,
        max_failures=settings.backfill_max_failures,
    )
    worker = BackfillWorker(backfill, settings.backfill_poll_interval)
    policy = PlanningPolicy(settings.revision_lookback, settings.initial_lookback)
    register_handlers(
        broker,
        HandlerDeps(
            collect=CollectDeps(sessions, client, clock, policy),
            backfill=backfill,
            service=service,
            max_deliver=settings.max_deliver,
            ack_wait=settings.command_ack_wait,
            batch_size=settings.command_batch_size,
            wake_backfill=worker.wake,
        ),
    )
    register_rpc(broker, sessions, queue=service)

    async def prepare() -> None:
        await run_migrations(engine, settings.service_schema, MIGRATIONS)

    async def streams() -> None:
        await ensure_streams(broker.connection.jetstream())

    app = FastStream(
        broker,
        on_startup=[prepare],
        after_startup=[streams],
        specification=AsyncAPI(title="gridstream collector", version=VERSION),
    )
    heartbeat = Heartbeat(
        service,
        partial(publish, broker),
        interval=settings.heartbeat_interval,
        version=VERSION,
        instance=owner,
        clock=clock,
    )
    asgi = build_health_app(
        {"nats": nats_check(lambda: broker.connection), "database": database_check(engine)},
        registry,
        extra_routes=build_routes(sessions, clock),
    )

    async def close_client() -> None:
        await client.aclose()

    async def dispose() -> None:
        await engine.dispose()

    async def shutdown_telemetry() -> None:
        telemetry.shutdown()

    runner = ServiceRunner(
        app,
        asgi,
        host=settings.http_host,
        port=settings.http_port,
        background=[relay, heartbeat, worker, InboxPurger(sessions, settings.inbox_retention)],
        on_stop=[close_client, dispose, shutdown_telemetry],
    )
    return Collector(settings=settings, runner=runner, client=client, worker=worker, relay=relay)
