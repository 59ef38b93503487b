"""The inbox against real PostgreSQL and JetStream: an event that comes back changes nothing."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from faststream.nats import NatsBroker
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gridstream.contracts import GapScanRequested, ScheduleFired
from gridstream.runtime import (
    InboxPurger,
    ServiceSettings,
    already_processed,
    build_broker,
    create_engine,
    durable_name,
    durable_subscriber,
    ensure_streams,
    load_settings,
    mark_processed,
    publish,
    publish_raw,
    purge_inbox,
    run_migrations,
    session_maker,
)
from gridstream.runtime.inbox import inbox_table
from gridstream.runtime.publishing import message_headers, message_payload
from gridstream.testing import wait_until

SCHEMA = "inboxtest"
SERVICE = "inboxtest"
SUBSCRIPTION = "gridstream.evt.schedule.fired.*"
CONSUMER = durable_name(SERVICE, SUBSCRIPTION)
START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    """The application clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class _AlreadyProcessedError(Exception):
    """Raised inside the transaction to roll back the effects of a repeat."""


@dataclass
class Consumer:
    """A consumer of ScheduleFired that counts firings per schedule, once per event id."""

    maker: async_sessionmaker[AsyncSession]
    clock: FakeClock
    outcomes: list[tuple[str, str]] = field(default_factory=list)
    # Lets a test hold every delivery between its inbox check and its effects.
    barrier: asyncio.Barrier | None = None

    async def handle(self, event: ScheduleFired) -> None:
        try:
            async with self.maker() as session, session.begin():
                await self._apply(session, event)
        except _AlreadyProcessedError:
            self.outcomes.append(("skipped", event.schedule))
            return
        self.outcomes.append(("applied", event.schedule))

    async def _apply(self, session: AsyncSession, event: ScheduleFired) -> None:
        if await already_processed(session, CONSUMER, event.event_id):
            raise _AlreadyProcessedError
        if self.barrier is not None:
            async with asyncio.timeout(20):
                await self.barrier.wait()
        await session.execute(
            text(
                "INSERT INTO effects (schedule, fired, applied_at) VALUES (:s, 1, :t) "
                "ON CONFLICT (schedule) DO UPDATE SET fired = effects.fired + 1, applied_at = :t"
            ),
            {"s": event.schedule, "t": self.clock()},
        )
        if not await mark_processed(session, CONSUMER, event.event_id):
            raise _AlreadyProcessedError  # a concurrent delivery committed first: roll back


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, SCHEMA)
    await run_migrations(engine, SCHEMA)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE TABLE effects (schedule text PRIMARY KEY, fired int NOT NULL, "
                "applied_at timestamptz NOT NULL)"
            )
        )
    yield engine
    await engine.dispose()


@pytest.fixture
def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_maker(engine)


def _replica(nats_url: str, consumer: Consumer) -> NatsBroker:
    broker = build_broker(
        nats_url=nats_url,
        service=SERVICE,
        max_deliver=3,
        retry_base_delay=0.2,
        retry_max_delay=1.0,
    )
    # One message per fetch: a later message is handled only after the earlier one finished.
    durable_subscriber(broker, SUBSCRIPTION, service=SERVICE, batch_size=1)(consumer.handle)
    return broker


async def _started(broker: NatsBroker) -> NatsBroker:
    await broker.start()
    await ensure_streams(broker.connection.jetstream())
    return broker


def _fired(schedule: str) -> ScheduleFired:
    command = GapScanRequested(source="scheduler")
    return ScheduleFired(
        source="scheduler",
        schedule=schedule,
        fire_time=START,
        command_subject=command.subject(),
        command_id=command.event_id,
    )


async def _republish(broker: NatsBroker, event: ScheduleFired, copy: str) -> None:
    """The same event (same event_id in its JSON) under another Nats-Msg-Id, as an outbox
    relay republishing it after JetStream's duplicate window would send it."""
    headers = message_headers(event)
    await publish_raw(broker, event.subject(), message_payload(event), headers, copy)


async def _effects(maker: async_sessionmaker[AsyncSession]) -> dict[str, tuple[int, datetime]]:
    async with maker() as session:
        rows = (
            await session.execute(text("SELECT schedule, fired, applied_at FROM effects"))
        ).all()
    return {row.schedule: (row.fired, row.applied_at) for row in rows}


async def _inbox(maker: async_sessionmaker[AsyncSession]) -> set[UUID]:
    async with maker() as session:
        return set((await session.scalars(select(inbox_table.c.event_id))).all())


async def _age_inbox(maker: async_sessionmaker[AsyncSession], by: timedelta) -> None:
    """Move recorded ids back in time, as if the database clock had run on by ``by``."""
    async with maker() as session, session.begin():
        await session.execute(
            inbox_table.update().values(processed_at=inbox_table.c.processed_at - by)
        )


async def test_an_event_back_an_hour_later_changes_nothing(
    nats_url: str, maker: async_sessionmaker[AsyncSession]
) -> None:
    consumer = Consumer(maker, FakeClock(START))
    event, marker = _fired("nightly"), _fired("marker")
    broker = await _started(_replica(nats_url, consumer))
    try:
        await publish(broker, event)
        await wait_until(lambda: consumer.outcomes == [("applied", "nightly")])
        consumer.clock.now = START + timedelta(hours=1)
        await _age_inbox(maker, timedelta(hours=1))
        assert await InboxPurger(maker, retention=timedelta(days=30)).purge() == 0

        await _republish(broker, event, f"republished:{event.event_id}")
        await publish(broker, marker)  # handled only after the republished copy
        await wait_until(lambda: ("applied", "marker") in consumer.outcomes)
    finally:
        await broker.stop()

    assert consumer.outcomes == [
        ("applied", "nightly"),
        ("skipped", "nightly"),
        ("applied", "marker"),
    ]
    effects = await _effects(maker)
    assert effects["nightly"] == (1, START)
    assert effects["marker"] == (1, START + timedelta(hours=1))
    assert await _inbox(maker) == {event.event_id, marker.event_id}


async def test_two_racing_deliveries_apply_the_event_once(
    nats_url: str, maker: async_sessionmaker[AsyncSession]
) -> None:
    consumer = Consumer(maker, FakeClock(START), barrier=asyncio.Barrier(2))
    event = _fired("nightly")
    replicas = [_replica(nats_url, consumer), _replica(nats_url, consumer)]
    try:
        for replica in replicas:
            await _started(replica)
        await publish(replicas[0], event)
        await _republish(replicas[0], event, f"republished:{event.event_id}")
        await wait_until(lambda: len(consumer.outcomes) == 2, timeout=30)
    finally:
        for replica in replicas:
            await replica.stop()

    # Both deliveries passed the inbox check before either recorded the id (the barrier).
    assert sorted(consumer.outcomes) == [("applied", "nightly"), ("skipped", "nightly")]
    assert (await _effects(maker))["nightly"] == (1, START)
    assert await _inbox(maker) == {event.event_id}


async def test_purging_forgets_ids_older_than_the_retention_by_the_database_clock(
    maker: async_sessionmaker[AsyncSession],
) -> None:
    old, recent = _fired("old").event_id, _fired("recent").event_id
    async with maker() as session, session.begin():
        assert await mark_processed(session, CONSUMER, old)
        assert not await mark_processed(session, CONSUMER, old)
    await _age_inbox(maker, timedelta(days=2))
    async with maker() as session, session.begin():
        assert await mark_processed(session, CONSUMER, recent)
        assert await mark_processed(session, "another-consumer", recent)

    purger = InboxPurger(maker, retention=timedelta(days=1), interval=3600)
    await purger.start()  # purges at once, then every hour
    try:
        await wait_until(lambda: _forgotten(maker, old))
    finally:
        await purger.stop()

    assert await _inbox(maker) == {recent}
    async with maker() as session, session.begin():
        assert await purge_inbox(session, timedelta(0)) == 2


async def _forgotten(maker: async_sessionmaker[AsyncSession], event_id: UUID) -> bool:
    async with maker() as session:
        statement = select(func.count()).where(inbox_table.c.event_id == event_id)
        return bool((await session.execute(statement)).scalar_one() == 0)


def test_inbox_retention_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("GRIDSTREAM_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GRIDSTREAM_DATABASE_URL", "postgresql://gridstream@db.example/gridstream")
    assert load_settings(ServiceSettings).inbox_retention == timedelta(days=30)

    monkeypatch.setenv("GRIDSTREAM_INBOX_RETENTION", "3600")
    assert load_settings(ServiceSettings).inbox_retention == timedelta(hours=1)
