"""Outbox relay poison rows on real PostgreSQL and NATS: set aside after N attempts; outages burn none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import nats
import nats.errors
import nats.js.errors
import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from prometheus_client import CollectorRegistry
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.contracts import CMD_STREAM, GapScanRequested
from gridstream.runtime.broker import build_broker
from gridstream.runtime.database import create_engine, session_maker
from gridstream.runtime.errors import PublishFailedError
from gridstream.runtime.migrations import run_migrations
from gridstream.runtime.outbox import add_all_to_outbox, outbox_row, outbox_table
from gridstream.runtime.publishing import publish_raw
from gridstream.runtime.relay import OutboxPublishError, OutboxRelay, PublishRaw
from gridstream.runtime.relay_faults import OutboxRowRejectedError, is_row_fault
from gridstream.runtime.streams import ensure_streams
from gridstream.testing import NatsServer, wait_until

SCHEMA = "relaypoison"
BIGGER_THAN_MAX_PAYLOAD = 2 * 1024 * 1024  # nats-server's default max_payload is 1 MiB


def _event(label: str) -> GapScanRequested:
    """A message told apart by ``label`` (its source)."""
    return GapScanRequested(source=label)


@pytest.fixture
async def maker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url, SCHEMA)
    await run_migrations(engine, SCHEMA)
    yield session_maker(engine)
    await engine.dispose()


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    """A reader that reconnects while the server is down; the gridstream streams exist."""
    client = await nats.connect(nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.1)
    await ensure_streams(client.jetstream())
    yield client.jetstream()
    await client.close()


@pytest.fixture
async def broker(nats_url: str, js: JetStreamContext) -> AsyncIterator[NatsBroker]:
    """The service's broker: the relay publishes through ``publishing.publish_raw`` like the collector."""
    broker = build_broker(
        nats_url=nats_url,
        service="relaytest",
        max_deliver=3,
        retry_base_delay=0.1,
        retry_max_delay=1.0,
    )
    await broker.connect()
    yield broker
    await broker.stop()


# Quick passes and retries; gauges read after every pass.
FAST = {"poll_interval": 0.1, "retry_base_delay": 0.1, "retry_max_delay": 0.3}
FAST |= {"publish_timeout": 2.0, "metrics_interval": 0.0}


def _relay(maker: async_sessionmaker[AsyncSession], publish: PublishRaw, **kw: Any) -> OutboxRelay:
    return OutboxRelay(maker, publish, **(FAST | kw))


async def _rows(maker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """Outbox rows by their message's label ("big" for the oversized one)."""
    async with maker() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    return {_label(r.payload) if r.payload[:1] == b"{" else "big": r for r in rows}


def _label(payload: bytes) -> str:
    return GapScanRequested.model_validate_json(payload).source


async def _stored_labels(js: JetStreamContext) -> list[str]:
    info = await js.stream_info(CMD_STREAM.name)
    stored = [await js.get_msg(CMD_STREAM.name, s) for s in range(1, info.state.last_seq + 1)]
    return [_label(m.data or b"") for m in stored]


def _sample(registry: CollectorRegistry, name: str) -> float | None:
    return registry.get_sample_value(name)


async def test_oversized_row_is_set_aside_and_later_rows_flow(
    maker: async_sessionmaker[AsyncSession], broker: NatsBroker, js: JetStreamContext
) -> None:
    async with maker() as session, session.begin():
        await add_all_to_outbox(session, [_event("before")])
        oversized = outbox_row(_event("big")) | {"payload": b"x" * BIGGER_THAN_MAX_PAYLOAD}
        await session.execute(insert(outbox_table).values(oversized))
        await add_all_to_outbox(session, [_event("after")])
    registry = CollectorRegistry()
    relay = _relay(maker, partial(publish_raw, broker), registry=registry)
    await relay.start()
    try:

        async def after_published() -> bool:
            return (await _rows(maker))["after"].published_at is not None

        await wait_until(after_published, timeout=30, description="the row after the big one")
    finally:
        await relay.stop()

    rows = await _rows(maker)
    big = rows["big"]
    assert big.published_at is None
    assert big.set_aside_at is not None
    assert big.attempts == 5  # the default outbox_max_attempts
    assert "MaxPayloadError" in big.last_error
    assert await _stored_labels(js) == ["before", "after"]
    assert _sample(registry, "gridstream_outbox_rows_set_aside_total") == 1
    assert _sample(registry, "gridstream_outbox_set_aside_rows") == 1
    assert _sample(registry, "gridstream_outbox_pending_rows") == 0


async def test_broker_outage_burns_no_attempts_and_sets_nothing_aside(
    maker: async_sessionmaker[AsyncSession],
    broker: NatsBroker,
    js: JetStreamContext,
    nats_server: NatsServer,
) -> None:
    names = ["s0", "s1", "s2"]
    async with maker() as session, session.begin():
        await add_all_to_outbox(session, [_event(n) for n in names])
    nats_server.stop()
    registry = CollectorRegistry()
    relay = _relay(maker, partial(publish_raw, broker, timeout=0.5), registry=registry)
    await relay.start()
    try:
        # More failed passes than the default 5 attempts a faulty row gets.
        await wait_until(
            lambda: (_sample(registry, "gridstream_outbox_publish_failures_total") or 0) >= 7,
            timeout=60,
            description="seven failed passes",
        )
        during = await _rows(maker)
        nats_server.start()

        async def all_published() -> bool:
            return all(r.published_at is not None for r in (await _rows(maker)).values())

        await wait_until(all_published, timeout=30, description="all rows published")
    finally:
        await relay.stop()

    assert [(r.attempts, r.set_aside_at) for r in during.values()] == [(0, None)] * 3
    assert during["s0"].last_error  # why it is waiting is visible
    assert await _stored_labels(js) == names
    assert _sample(registry, "gridstream_outbox_rows_set_aside_total") == 0


async def test_metrics_show_pending_rows_oldest_age_and_skipped_passes(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    async with maker() as session, session.begin():
        await add_all_to_outbox(session, [_event(n) for n in ("old", "new", "newer")])
        await session.execute(
            update(outbox_table)
            .where(outbox_table.c.id == select(outbox_table.c.id).limit(1).scalar_subquery())
            .values(created_at=text("now() - interval '1 hour'"))
        )

    async def broker_down(
        subject: str, payload: bytes, headers: dict[str, str], msg_id: str
    ) -> bool:
        raise nats.errors.ConnectionClosedError

    registry, rival_registry = CollectorRegistry(), CollectorRegistry()
    holder = _relay(maker, broker_down, registry=registry)
    rival = _relay(maker, broker_down, registry=rival_registry)
    with pytest.raises(OutboxPublishError):
        await holder.run_once()

    assert await rival.run_once() == 0  # the holder's lease has not expired
    assert _sample(rival_registry, "gridstream_outbox_passes_skipped_total") == 1
    assert _sample(registry, "gridstream_outbox_passes_skipped_total") == 0
    assert _sample(registry, "gridstream_outbox_pending_rows") == 3
    age = _sample(registry, "gridstream_outbox_oldest_pending_age_seconds")
    assert age is not None
    assert 3600 <= age < 3600 + 600
    assert _sample(registry, "gridstream_outbox_set_aside_rows") == 0


def _caused(outer: Exception, cause: Exception) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("error", "row_fault"),
    [
        (_caused(PublishFailedError("not confirmed"), nats.errors.MaxPayloadError()), True),
        (nats.errors.BadSubjectError(), True),
        (
            nats.js.errors.BadRequestError(code=400, description="message size exceeds maximum"),
            True,
        ),
        (ValueError("subject belongs to no gridstream stream"), True),
        (OutboxRowRejectedError("refused by the publisher"), True),
        (_caused(PublishFailedError("not confirmed"), nats.errors.TimeoutError()), False),
        (nats.errors.ConnectionClosedError(), False),
        (nats.errors.NoRespondersError(), False),
        (nats.js.errors.NoStreamResponseError(), False),
        (nats.js.errors.ServiceUnavailableError(code=503), False),
        (TimeoutError(), False),
        (ConnectionError("broker went away"), False),
        (RuntimeError("unknown"), False),
    ],
)
def test_failures_are_row_faults_or_outages(error: Exception, row_fault: bool) -> None:
    assert is_row_fault(error) is row_fault
