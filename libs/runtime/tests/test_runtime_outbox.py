"""Outbox and relay against real PostgreSQL and NATS: commit-only, broker outages, order, no doubles."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gridstream.contracts import EVT_STREAM, GapScanRequested, ScheduleFired, utcnow
from gridstream.runtime.database import create_engine, session_maker
from gridstream.runtime.migrations import run_migrations
from gridstream.runtime.outbox import (
    add_all_to_outbox,
    add_to_outbox,
    notify_after_commit,
    outbox_table,
)
from gridstream.runtime.relay import OutboxPublishError, OutboxRelay, PublishRaw
from gridstream.testing import NatsServer, wait_until

SCHEMA = "outboxtest"


def _event(schedule: str = "latest-load") -> ScheduleFired:
    command = GapScanRequested(source="scheduler")
    return ScheduleFired(
        source="scheduler",
        schedule=schedule,
        fire_time=utcnow(),
        command_subject=command.subject(),
        command_id=command.event_id,
    )


def _js_publisher(js: JetStreamContext) -> PublishRaw:
    """The relay's publish callable, straight on nats-py JetStream."""

    async def publish_raw(
        subject: str, payload: bytes, headers: dict[str, str], msg_id: str
    ) -> bool:
        ack = await js.publish(
            subject, payload, timeout=1.0, headers={**headers, "Nats-Msg-Id": msg_id}
        )
        return ack.duplicate is True

    return publish_raw


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, SCHEMA)
    await run_migrations(engine, SCHEMA)
    yield engine
    await engine.dispose()


@pytest.fixture
def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_maker(engine)


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    """A JetStream context that keeps reconnecting while the server is down, with the EVT stream."""
    client = await nats.connect(
        nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.1, connect_timeout=2
    )
    context = client.jetstream()
    await context.add_stream(
        StreamConfig(
            name=EVT_STREAM.name,
            subjects=list(EVT_STREAM.subjects),
            max_age=EVT_STREAM.max_age.total_seconds(),
            duplicate_window=EVT_STREAM.duplicate_window.total_seconds(),
        )
    )
    yield context
    await client.close()


async def _stream_msg_ids(js: JetStreamContext) -> list[str]:
    """The Nats-Msg-Id of every stored message, in stream order."""
    info = await js.stream_info(EVT_STREAM.name)
    ids: list[str] = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            message = await js.get_msg(EVT_STREAM.name, seq)
        except NotFoundError:
            continue
        ids.append((message.headers or {}).get("Nats-Msg-Id", ""))
    return [i for i in ids if i]


async def _rows(maker: async_sessionmaker[AsyncSession]) -> list[Any]:
    async with maker() as session:
        result = await session.execute(select(outbox_table).order_by(outbox_table.c.id))
        return list(result.all())


def _relay(maker: async_sessionmaker[AsyncSession], publish: PublishRaw, **kw: Any) -> OutboxRelay:
    options: dict[str, Any] = {
        "poll_interval": 0.1,
        "retry_base_delay": 0.1,
        "retry_max_delay": 0.5,
        "publish_timeout": 2.0,
    }
    return OutboxRelay(maker, publish, **(options | kw))


async def test_rolled_back_event_is_never_published(
    maker: async_sessionmaker[AsyncSession], js: JetStreamContext
) -> None:
    rolled_back, committed = _event("rolled-back"), _event("committed")
    async with maker() as session:
        await add_to_outbox(session, rolled_back)
        await session.rollback()
    async with maker() as session, session.begin():
        await add_to_outbox(session, committed)

    relay = _relay(maker, _js_publisher(js))
    assert await relay.run_once() == 1
    assert await relay.run_once() == 0

    assert await _stream_msg_ids(js) == [str(committed.event_id)]
    [row] = await _rows(maker)
    assert row.event_id == committed.event_id
    assert row.published_at is not None
    stored = await js.get_msg(EVT_STREAM.name, 1)
    assert stored.subject == committed.subject()
    assert ScheduleFired.model_validate_json(stored.data or b"") == committed


async def test_committed_while_broker_down_is_published_once_it_returns(
    maker: async_sessionmaker[AsyncSession], js: JetStreamContext, nats_server: NatsServer
) -> None:
    event = _event()
    nats_server.stop()
    async with maker() as session, session.begin():
        await add_to_outbox(session, event)
    relay = _relay(maker, _js_publisher(js))
    await relay.start()
    try:

        async def tried_and_failed() -> bool:
            [row] = await _rows(maker)
            # An outage burns no attempts; the error says why the row waits.
            return bool(row.attempts == 0 and row.last_error and row.published_at is None)

        await wait_until(tried_and_failed, timeout=15)
        nats_server.start()

        async def published() -> bool:
            [row] = await _rows(maker)
            return row.published_at is not None

        await wait_until(published, timeout=20)
    finally:
        await relay.stop()

    assert await _stream_msg_ids(js) == [str(event.event_id)]
    info = await js.stream_info(EVT_STREAM.name)
    assert info.state.messages == 1


async def test_failed_publish_keeps_order_and_retries(
    maker: async_sessionmaker[AsyncSession], js: JetStreamContext
) -> None:
    events = [_event(f"s{i}") for i in range(4)]
    async with maker() as session, session.begin():
        await add_all_to_outbox(session, events)
    real = _js_publisher(js)
    refused = {str(events[1].event_id)}

    async def flaky(subject: str, payload: bytes, headers: dict[str, str], msg_id: str) -> bool:
        if msg_id in refused:
            refused.clear()
            raise ConnectionError("broker went away")
        return await real(subject, payload, headers, msg_id)

    relay = _relay(maker, flaky)
    with pytest.raises(OutboxPublishError, match="ConnectionError: broker went away"):
        await relay.run_once()
    rows = await _rows(maker)
    assert [r.published_at is not None for r in rows] == [True, False, False, False]
    assert rows[1].attempts == 0  # a lost connection is an outage, not the row's fault
    assert rows[1].last_error == "ConnectionError: broker went away"

    assert await relay.run_once() == 3
    assert await _stream_msg_ids(js) == [str(e.event_id) for e in events]
    assert all(r.last_error is None and r.published_at is not None for r in await _rows(maker))


async def test_two_relays_publish_each_row_once_in_order(
    maker: async_sessionmaker[AsyncSession], js: JetStreamContext, database_url: str, nats_url: str
) -> None:
    events = [_event(f"s{i}") for i in range(60)]
    async with maker() as session, session.begin():
        await add_all_to_outbox(session, events)
    calls: list[str] = []
    # Two replicas: their own engine and NATS connection over the same schema and stream.
    other_engine = create_engine(database_url, SCHEMA)
    other_client = await nats.connect(nats_url)

    def counting(js: JetStreamContext) -> PublishRaw:
        real = _js_publisher(js)

        async def publish(
            subject: str, payload: bytes, headers: dict[str, str], msg_id: str
        ) -> bool:
            calls.append(msg_id)
            return await real(subject, payload, headers, msg_id)

        return publish

    first = _relay(maker, counting(js), batch_size=7)
    second = _relay(session_maker(other_engine), counting(other_client.jetstream()), batch_size=7)
    marker = _event("marker")
    await asyncio.gather(first.start(), second.start())
    try:
        await wait_until(lambda: len(calls) >= len(events), timeout=20)
        async with maker() as session, session.begin():
            await add_to_outbox(session, marker)
        await _passes_after_published(maker, marker, [first, second])
    finally:
        await asyncio.gather(first.stop(), second.stop())
        await other_client.close()
        await other_engine.dispose()

    expected = [str(e.event_id) for e in [*events, marker]]
    assert calls == expected
    assert await _stream_msg_ids(js) == expected


async def _passes_after_published(
    maker: async_sessionmaker[AsyncSession], event: ScheduleFired, relays: list[OutboxRelay]
) -> None:
    """Wait until ``event``'s row is marked published and every relay then finished a new pass.

    Passes that started before could still publish; a pass that starts after reads no rows.
    """

    async def marked() -> bool:
        return any(r.published_at for r in await _rows(maker) if r.event_id == event.event_id)

    await wait_until(marked, timeout=20, description="marker published")
    seen = [relay.passes for relay in relays]
    await wait_until(
        lambda: all(relay.passes > n + 1 for relay, n in zip(relays, seen, strict=True)),
        timeout=20,
        description="a later pass of every relay",
    )


async def test_commit_wakes_the_relay(
    maker: async_sessionmaker[AsyncSession], js: JetStreamContext
) -> None:
    relay = _relay(maker, _js_publisher(js), poll_interval=60)
    notify_after_commit(maker, relay.notify)
    await relay.start()
    try:
        # The first pass is done; the next poll is a minute away.
        await wait_until(lambda: relay.passes >= 1, timeout=10, description="first pass")
        event = _event()
        async with maker() as session, session.begin():
            await add_to_outbox(session, event)
        await wait_until(
            lambda: _stream_has(js, str(event.event_id)), timeout=5, description="woken publish"
        )
    finally:
        await relay.stop()


async def _stream_has(js: JetStreamContext, msg_id: str) -> bool:
    return msg_id in await _stream_msg_ids(js)


async def test_same_event_added_twice_is_stored_once(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    event = _event()
    for _ in range(2):
        async with maker() as session, session.begin():
            await add_to_outbox(session, event, headers={"x-origin": "test"})
    [row] = await _rows(maker)
    assert row.headers["x-origin"] == "test"
    assert row.headers["content-type"] == "application/json"
    assert row.headers["correlation_id"] == str(event.correlation_id)


async def test_purge_deletes_only_old_published_rows(
    maker: async_sessionmaker[AsyncSession], js: JetStreamContext
) -> None:
    old, recent, pending = _event("old"), _event("recent"), _event("pending")
    async with maker() as session, session.begin():
        await add_all_to_outbox(session, [old, recent])
    relay = _relay(maker, _js_publisher(js), retention=timedelta(days=7))
    assert await relay.run_once() == 2
    async with maker() as session, session.begin():
        await add_to_outbox(session, pending)
        await session.execute(
            update(outbox_table)
            .where(outbox_table.c.event_id == old.event_id)
            .values(published_at=text("now() - interval '8 days'"))
        )

    assert await relay.purge() == 1

    remaining = {row.event_id for row in await _rows(maker)}
    assert remaining == {recent.event_id, pending.event_id}


def test_backoff_grows_to_its_cap() -> None:
    relay = OutboxRelay(async_sessionmaker(), _unused, retry_base_delay=0.5, retry_max_delay=4.0)
    assert [relay.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


async def _unused(subject: str, payload: bytes, headers: dict[str, str], msg_id: str) -> bool:
    raise AssertionError("not called")


async def test_rows_get_unique_ids(maker: async_sessionmaker[AsyncSession]) -> None:
    async with maker() as session, session.begin():
        await add_all_to_outbox(session, [_event("a"), _event("b")])
        await add_all_to_outbox(session, [])
    ids = [row.id for row in await _rows(maker)]
    assert len(set(ids)) == 2
    assert all(isinstance(row.event_id, uuid.UUID) for row in await _rows(maker))
