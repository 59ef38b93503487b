"""Composition root: settings -> the runtime kit, ENTSO-E client, backfill worker -> handlers and APIs."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

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
from gridstream.runtime import OutboxRelay, ServiceKit, ServiceRunner, instance_id

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


def build_client(
    settings: CollectorSettings, kit: ServiceKit, transport: httpx.AsyncBaseTransport | None
) -> EntsoeClient:
    """The ENTSO-E client, paced by the rate limit every replica shares in the database."""
    token = settings.entsoe_api_token
    limiter = PostgresRateLimiter(
        kit.engine,
        bucket_name(token.get_secret_value()),
        settings.entsoe_rate_per_second,
        settings.entsoe_burst,
    )
    return EntsoeClient(
        settings.entsoe_api_url,
        token,
        rate_limiter=limiter,
        timeout=settings.entsoe_timeout,
        max_retries=settings.entsoe_max_retries,
        backoff_base=settings.entsoe_backoff_base,
        backoff_cap=settings.entsoe_backoff_cap,
        max_retry_after=settings.entsoe_max_retry_after,
        transport=transport,
    )


def build_collector(
    settings: CollectorSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    entsoe_transport: httpx.AsyncBaseTransport | None = None,
) -> Collector:
    """Wire one collector process from its settings; nothing connects until it is started."""
    kit = ServiceKit.build(settings, VERSION)
    client = build_client(settings, kit, entsoe_transport)
    owner = instance_id()
    backfill = BackfillDeps(
        sessions=kit.sessions,
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
        kit.broker,
        HandlerDeps(
            collect=CollectDeps(kit.sessions, client, clock, policy),
            backfill=backfill,
            service=settings.service_name,
            max_deliver=settings.max_deliver,
            ack_wait=settings.command_ack_wait,
            batch_size=settings.command_batch_size,
            wake_backfill=worker.wake,
        ),
    )
    register_rpc(kit.broker, kit.sessions, queue=settings.service_name)

    async def close_client() -> None:
        await client.aclose()

    runner = kit.runner(
        kit.faststream_app(MIGRATIONS),
        kit.health_app(build_routes(kit.sessions, clock)),
        background=[kit.heartbeat(owner, clock), worker],
        on_stop=[close_client],
    )
    return Collector(settings, runner, client, worker, kit.relay)
