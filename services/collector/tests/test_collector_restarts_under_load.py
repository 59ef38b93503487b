"""NATS and PostgreSQL restarted while a backfill and collections are in flight: none lost or twice."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from gridstream.contracts import (
    BackfillCompleted,
    BackfillProgress,
    BackfillRequested,
    CollectionCompleted,
    CollectionRequested,
    DataReady,
    TimeWindow,
)
from gridstream.testing import NatsServer, PostgresServer, wait_until

from .support import Harness, outbox_drained, scalar, send
from .test_collector_backfill import CHUNKS, QUARTER, QUARTER_SLOTS

OUTAGE_SECONDS = 2.0
DAYS = 6
FIRST_DAY = datetime(2025, 2, 1, 23, tzinfo=UTC)


def _collections() -> list[CollectionRequested]:
    return [
        CollectionRequested(
            area="BE",
            data_type="actual_load",
            window=TimeWindow(
                start=FIRST_DAY + timedelta(days=d), end=FIRST_DAY + timedelta(days=d + 1)
            ),
        )
        for d in range(DAYS)
    ]


async def _outage(stop: Callable[[], None], start: Callable[[], None]) -> None:
    """Stop a server, keep it down while work is in flight, start it again (off the event loop)."""
    await asyncio.to_thread(stop)
    await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself, not a wait for an absence
    await asyncio.to_thread(start)


async def test_restarts_mid_flight_lose_nothing_and_duplicate_nothing(
    h: Harness, nats_server: NatsServer, postgres_server: PostgresServer
) -> None:
    backfill = BackfillRequested(area="NL", data_type="actual_load", window=QUARTER)
    collections = _collections()
    # Every answer takes a while, so chunks and collections are mid-request when servers go away.
    await h.sim.admin("POST", "/admin/faults", {"kind": "slow", "delay_seconds": 0.6})
    async with h.run(max_deliver=20, command_batch_size=2):
        await send(h.nats, backfill)
        for command in collections[:3]:
            await send(h.nats, command)
        await h.events.wait_for(BackfillProgress, correlation_id=backfill.event_id, within=60)
        await _outage(nats_server.stop, nats_server.start)
        await wait_until(lambda: _jetstream_answers(h), timeout=30, description="NATS back")
        for command in collections[3:]:
            await send(h.nats, command)
        await _outage(postgres_server.stop, postgres_server.start)
        [done] = await h.events.wait_for(
            BackfillCompleted, correlation_id=backfill.event_id, within=120
        )
        for command in collections:
            await h.events.wait_for(
                CollectionCompleted, correlation_id=command.event_id, within=120
            )
        await outbox_drained(h.database_url)
    stored = await scalar(h.database_url, "SELECT count(*) FROM observations")
    assert stored == QUARTER_SLOTS + DAYS * 96
    # Every chunk and day was written exactly once: no value was ever replaced, and every stored
    # point was announced in exactly one DataReady.
    assert await scalar(h.database_url, "SELECT count(*) FROM revisions") == 0
    assert sum(len(e.points) for e in h.events.of(DataReady)) == stored
    assert (done.chunks, done.points_written) == (len(CHUNKS), QUARTER_SLOTS)
    assert len(h.events.of(BackfillCompleted)) == 1
    for command in collections:
        outcomes = [
            e for e in h.events.of(CollectionCompleted) if e.correlation_id == command.event_id
        ]
        assert len(outcomes) == 1, f"{command.window}: {len(outcomes)} completions"


async def _jetstream_answers(h: Harness) -> bool:
    try:
        await h.nats.jetstream().stream_info("GRIDSTREAM_CMD")
    except Exception:
        return False
    return True
