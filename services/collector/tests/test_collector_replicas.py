"""Two collector processes and a slow ENTSO-E: a job or a command is worked by one replica at a time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from gridstream.contracts import (
    BackfillCompleted,
    BackfillRequested,
    CollectionCompleted,
    CollectionRequested,
    TimeWindow,
)
from gridstream.testing import wait_until

from .support import Harness, commands_settled, outbox_drained, scalar, send
from .test_collector_backfill import CHUNKS, QUARTER, QUARTER_SLOTS
from .test_collector_kill import collector_process, streams_exist


@asynccontextmanager
async def two_collectors(
    h: Harness, nats_url: str, tmp_path: Path, **settings: str
) -> AsyncIterator[None]:
    """Two `python -m gridstream.collector` processes with the same settings, streams ready."""
    log = tmp_path / "collectors.log"
    async with (
        collector_process(h.database_url, nats_url, h.sim, log, **settings),
        collector_process(h.database_url, nats_url, h.sim, log, **settings),
    ):
        await wait_until(lambda: streams_exist(h.nats), timeout=30, description="streams")
        yield


async def test_a_slow_chunk_keeps_its_lease_and_is_fetched_once(
    h: Harness, nats_url: str, tmp_path: Path
) -> None:
    command = BackfillRequested(area="NL", data_type="actual_load", window=QUARTER)
    # Every answer takes longer than the lease: only a renewed lease lets a chunk commit.
    await h.sim.admin("POST", "/admin/faults", {"kind": "slow", "delay_seconds": 1.5})
    async with two_collectors(h, nats_url, tmp_path, backfill_lease="1"):
        await send(h.nats, command)
        [done] = await h.events.wait_for(
            BackfillCompleted, correlation_id=command.event_id, within=60
        )
        await outbox_drained(h.database_url)
    fetched = h.sim.windows("A65")
    assert sorted(fetched) == CHUNKS, "a chunk was fetched by both replicas"
    assert (done.chunks, done.points_written) == (3, QUARTER_SLOTS)
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == QUARTER_SLOTS


async def test_a_collection_longer_than_ack_wait_is_worked_by_one_replica(
    h: Harness, nats_url: str, tmp_path: Path
) -> None:
    january = TimeWindow(start=QUARTER.start, end=datetime(2024, 2, 1, tzinfo=UTC))
    command = CollectionRequested(area="NL", data_type="actual_load", window=january)
    # One answer takes 3 x ack_wait: only in-progress reports keep the command with its replica.
    await h.sim.admin("POST", "/admin/faults", {"kind": "slow", "delay_seconds": 6.0})
    async with two_collectors(h, nats_url, tmp_path, command_ack_wait="2"):
        await send(h.nats, command)
        [done] = await h.events.wait_for(
            CollectionCompleted, correlation_id=command.event_id, within=60
        )
        await commands_settled(h.nats, delivered=1)
        await outbox_drained(h.database_url)
    assert h.sim.windows("A65") == CHUNKS[:1], "the command was handed to a second replica"
    assert done.points_written == 31 * 96
    assert len(h.events.of(CollectionCompleted)) == 1
