"""Errors inside a backfill job: retried with growing delays, announced, given up after max_failures."""

from gridstream.contracts import BackfillCompleted, BackfillRequested, CollectionFailed

from .support import Harness, outbox_drained, refuse_observations, scalar, send
from .test_collector_backfill import CHUNKS, QUARTER, QUARTER_SLOTS


async def test_a_garbled_answer_is_retried_like_in_a_collection(h: Harness) -> None:
    await h.sim.admin(
        "POST", "/admin/faults", {"kind": "truncate", "document_type": "A65", "next_n": 1}
    )
    command = BackfillRequested(area="NL", data_type="actual_load", window=QUARTER)
    async with h.run():
        await send(h.nats, command)
        [done] = await h.events.wait_for(
            BackfillCompleted, correlation_id=command.event_id, within=30
        )
        await outbox_drained(h.database_url)
    [failed] = h.events.of(CollectionFailed)
    assert (failed.error_kind, failed.attempt, failed.will_retry) == ("parse", 1, True)
    assert failed.correlation_id == command.event_id
    assert (done.chunks, done.points_written) == (3, QUARTER_SLOTS)
    assert sorted(h.sim.windows("A65")) == sorted([CHUNKS[0], *CHUNKS])


async def test_an_internal_error_is_announced_retried_and_given_up(h: Harness) -> None:
    command = BackfillRequested(area="NL", data_type="actual_load", window=QUARTER)
    async with h.run(backfill_max_failures=2):
        await outbox_drained(h.database_url)  # migrated: the tables exist
        await refuse_observations(h.database_url)
        await send(h.nats, command)
        failed = await h.events.wait_for(
            CollectionFailed, count=2, correlation_id=command.event_id, within=30
        )
        await outbox_drained(h.database_url)
    assert [(f.error_kind, f.attempt, f.will_retry) for f in failed] == [
        ("internal", 1, True),
        ("internal", 2, False),
    ]
    assert "observations are read-only today" in failed[0].message
    assert await scalar(h.database_url, "SELECT count(*) FROM backfill_jobs") == 1
    assert (
        await scalar(h.database_url, "SELECT count(*) FROM backfill_jobs WHERE status = 'failed'")
        == 1
    )
    assert h.events.of(BackfillCompleted) == []
