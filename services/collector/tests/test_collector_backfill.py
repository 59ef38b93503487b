"""Backfills: chunked, resumable after a crash, never fetching a committed chunk twice."""

from datetime import UTC, datetime

from gridstream.contracts import (
    BackfillCompleted,
    BackfillProgress,
    BackfillRequested,
    TimeWindow,
)

from .support import Harness, outbox_drained, scalar, send

QUARTER = TimeWindow(start=datetime(2024, 1, 1, tzinfo=UTC), end=datetime(2024, 4, 1, tzinfo=UTC))
QUARTER_SLOTS = (31 + 29 + 31) * 96  # NL actual load is PT15M; 2024 is a leap year
CHUNKS = [
    ("202401010000", "202402010000"),
    ("202402010000", "202403010000"),
    ("202403010000", "202404010000"),
]


async def test_interrupted_backfill_resumes_from_its_cursor(
    h: Harness,
) -> None:
    command = BackfillRequested(area="NL", data_type="actual_load", window=QUARTER)
    await h.sim.admin("POST", "/admin/faults", {"kind": "slow", "delay_seconds": 1.0})
    async with h.run():
        await send(h.nats, command)
        await h.events.wait_for(BackfillProgress, correlation_id=command.event_id)
    # The process is gone mid-job (a chunk may have been in flight, never committed).
    committed = await scalar(h.database_url, "SELECT chunks_done FROM backfill_jobs")
    assert 1 <= committed < 3
    await h.sim.admin("DELETE", "/admin/faults")
    async with h.run():
        [done] = await h.events.wait_for(
            BackfillCompleted, correlation_id=command.event_id, within=30
        )
        await outbox_drained(h.database_url)
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == QUARTER_SLOTS
    assert (done.chunks, done.points_written) == (3, QUARTER_SLOTS)
    fetched = h.sim.windows("A65")
    for chunk in CHUNKS[:committed]:
        assert fetched.count(chunk) == 1, f"committed chunk {chunk} fetched again"
    assert set(fetched) == set(CHUNKS)
    progress = h.events.of(BackfillProgress)
    assert sorted(p.chunks_done for p in progress) == [1, 2, 3]
    assert progress[-1].cursor == QUARTER.end


async def test_overlapping_requests_do_not_fetch_a_range_twice(
    h: Harness,
) -> None:
    first = BackfillRequested(
        area="NL",
        data_type="actual_load",
        window=TimeWindow(start=QUARTER.start, end=datetime(2024, 3, 1, tzinfo=UTC)),
    )
    overlapping = BackfillRequested(area="NL", data_type="actual_load", window=QUARTER)
    inside = BackfillRequested(
        area="NL",
        data_type="actual_load",
        window=TimeWindow(
            start=datetime(2024, 1, 10, tzinfo=UTC), end=datetime(2024, 1, 20, tzinfo=UTC)
        ),
    )
    april = ("202404010000", "202405010000")
    marker = BackfillRequested(
        area="NL",
        data_type="actual_load",
        window=TimeWindow(start=QUARTER.end, end=datetime(2024, 5, 1, tzinfo=UTC)),
    )
    async with h.run():
        await send(h.nats, first)
        await h.events.wait_for(BackfillCompleted, correlation_id=first.event_id, within=30)
        await send(h.nats, overlapping)
        await send(h.nats, inside)
        await h.events.wait_for(BackfillCompleted, correlation_id=overlapping.event_id)
        [nothing] = await h.events.wait_for(BackfillCompleted, correlation_id=inside.event_id)
        # Jobs run oldest first: once a later job is done, no earlier one fetches any more.
        await send(h.nats, marker)
        await h.events.wait_for(BackfillCompleted, correlation_id=marker.event_id)
    assert sorted(h.sim.windows("A65")) == [*CHUNKS, april]
    assert (nothing.chunks, nothing.jobs_total) == (0, 0)
    [rest] = [e for e in h.events.of(BackfillCompleted) if e.correlation_id == overlapping.event_id]
    assert (rest.window.start, rest.jobs_total) == (datetime(2024, 3, 1, tzinfo=UTC), 1)
    april_slots = 30 * 96
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == (
        QUARTER_SLOTS + april_slots
    )
