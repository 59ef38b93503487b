"""Outbox relay lease against real PostgreSQL and NATS: short transactions, one holder, expiry, release."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.contracts import CMD_STREAM, GapScanRequested
from gridstream.runtime.database import create_engine, session_maker
from gridstream.runtime.migrations import run_migrations
from gridstream.runtime.outbox import add_all_to_outbox
from gridstream.runtime.relay import OutboxRelay, PublishRaw
from gridstream.runtime.streams import ensure_streams
from gridstream.testing import wait_until

SCHEMA = "relaylease"
Maker = async_sessionmaker[AsyncSession]


@dataclass
class Replica:
    """One relay host: its own engine (session maker) and NATS connection over one schema."""

    maker: Maker
    js: JetStreamContext

    async def publish(
        self, subject: str, payload: bytes, headers: dict[str, str], msg_id: str
    ) -> bool:
        """The relay's publish callable, straight on nats-py JetStream."""
        ack = await self.js.publish(
            subject, payload, timeout=2.0, headers={**headers, "Nats-Msg-Id": msg_id}
        )
        return ack.duplicate is True

    def relay(self, publish: PublishRaw | None = None, **kw: Any) -> OutboxRelay:
        """A relay of this replica (publishing with ``publish`` when given)."""
        options: dict[str, Any] = {"poll_interval": 0.1, "publish_timeout": 2.0}
        return OutboxRelay(self.maker, publish or self.publish, **(options | kw))

    async def stream_ids(self) -> list[str]:
        """Nats-Msg-Id of every message in the command stream (the rows' subjects), in order."""
        info = await self.js.stream_info(CMD_STREAM.name)
        stored = [
            await self.js.get_msg(CMD_STREAM.name, s) for s in range(1, info.state.last_seq + 1)
        ]
        return [(m.headers or {})["Nats-Msg-Id"] for m in stored]


@pytest.fixture
async def replicas(database_url: str, nats_url: str) -> AsyncIterator[tuple[Replica, Replica]]:
    """Two replicas: separate engines and NATS connections over one service schema."""
    engines = [create_engine(database_url, SCHEMA) for _ in range(2)]
    clients = [await nats.connect(nats_url) for _ in range(2)]
    await run_migrations(engines[0], SCHEMA)
    await ensure_streams(clients[0].jetstream())
    first, second = (
        Replica(session_maker(e), c.jetstream()) for e, c in zip(engines, clients, strict=True)
    )
    yield first, second
    for client in clients:
        await client.close()
    for engine in engines:
        await engine.dispose()


async def _add(maker: Maker, count: int) -> list[str]:
    """Commit ``count`` outbox rows; return their event ids in id order."""
    commands = [GapScanRequested(source="relaytest") for _ in range(count)]
    async with maker() as session, session.begin():
        await add_all_to_outbox(session, commands)
    return [str(c.event_id) for c in commands]


async def _scalar(maker: Maker, sql: str) -> Any:
    async with maker() as session:
        return (await session.execute(text(sql))).scalar_one()


async def test_slow_publish_holds_no_transaction_or_advisory_lock(
    replicas: tuple[Replica, Replica],
) -> None:
    replica = replicas[0]
    await _add(replica.maker, 1)
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(subject: str, payload: bytes, headers: dict[str, str], msg_id: str) -> bool:
        entered.set()
        await release.wait()
        return await replica.publish(subject, payload, headers, msg_id)

    publishing = asyncio.create_task(
        replica.relay(slow, publish_timeout=10.0, lease=15.0).run_once()
    )
    await asyncio.wait_for(entered.wait(), 10)
    idle_in_transaction = await _scalar(
        replica.maker,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND state LIKE 'idle in transaction%'",
    )
    advisory_locks = await _scalar(
        replica.maker,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    release.set()
    assert await publishing == 1
    assert (idle_in_transaction, advisory_locks) == (0, 0)


async def test_vanished_replica_loses_the_lease_when_it_expires(
    replicas: tuple[Replica, Replica],
) -> None:
    gone, survivor_host = replicas
    first_ids = await _add(gone.maker, 1)
    assert await gone.relay(lease=3.5).run_once() == 1  # it holds the lease and never stops
    second_ids = await _add(gone.maker, 1)
    registry = CollectorRegistry()
    survivor = survivor_host.relay(lease=3.5, registry=registry)

    assert await survivor.run_once() == 0
    assert registry.get_sample_value("gridstream_outbox_passes_skipped_total") == 1

    async def took_over() -> bool:
        return await survivor.run_once() == 1

    await wait_until(took_over, timeout=30, description="the survivor took the expired lease")
    assert (
        await _scalar(gone.maker, "SELECT owner FROM leases WHERE name = 'outbox'")
        == survivor.owner
    )
    assert await gone.stream_ids() == first_ids + second_ids


async def test_stop_releases_the_lease(replicas: tuple[Replica, Replica]) -> None:
    first, second = replicas
    leaving = first.relay()
    await leaving.start()
    await wait_until(lambda: leaving.passes >= 1, timeout=10, description="a first pass")
    await leaving.stop()
    assert await _scalar(first.maker, "SELECT owner FROM leases WHERE name = 'outbox'") is None

    ids = await _add(first.maker, 1)
    assert await second.relay().run_once() == 1  # no wait for an expiry
    assert await first.stream_ids() == ids


async def test_lease_is_renewed_while_a_long_batch_is_published(
    replicas: tuple[Replica, Replica],
) -> None:
    first, second = replicas
    ids = await _add(first.maker, 30)
    calls: list[str] = []

    async def slow(subject: str, payload: bytes, headers: dict[str, str], msg_id: str) -> bool:
        calls.append(msg_id)
        await asyncio.sleep(0.2)  # 30 rows take longer than one lease
        return await first.publish(subject, payload, headers, msg_id)

    holding = asyncio.create_task(first.relay(slow, lease=5.0).run_once())
    rival = second.relay(lease=5.0)
    await wait_until(lambda: bool(calls), timeout=10, description="the holder publishing")
    rival_passes: list[int] = []
    while not holding.done():
        rival_passes.append(await rival.run_once())
        await asyncio.sleep(0.1)

    assert await holding == 30
    assert set(rival_passes) == {0}
    assert calls == ids
    assert await first.stream_ids() == ids
