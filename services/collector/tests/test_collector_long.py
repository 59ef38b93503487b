"""Long collections: a latest window after a long downtime is split, the older part backfilled."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from gridstream.contracts import (
    BackfillCompleted,
    CollectionCompleted,
    CollectionRequested,
    utcnow,
)

from .support import Harness, execute, outbox_drained, send

_SIM_FORMAT = "%Y%m%d%H%M"


async def _store_one_point(database_url: str, ts: datetime) -> None:
    """A series whose newest stored point is `ts` (the collector was down since)."""
    await execute(
        database_url,
        "INSERT INTO series (area, data_type, qualifier, unit) VALUES ('NL', 'actual_load', '', 'MW')",
        "INSERT INTO observations (series_id, ts, value, resolution, first_seen, last_changed) "
        f"SELECT id, '{ts.isoformat()}', 1.0, 'PT15M', now(), now() FROM series",
    )


async def test_a_latest_window_after_a_long_downtime_is_split_into_a_backfill(
    h: Harness,
) -> None:
    last = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=90)
    command = CollectionRequested(area="NL", data_type="actual_load")
    async with h.run():
        await outbox_drained(h.database_url)  # migrated: the tables exist
        await _store_one_point(h.database_url, last)
        await send(h.nats, command)
        [done] = await h.events.wait_for(CollectionCompleted, correlation_id=command.event_id)
        assert done.backfill_jobs >= 1
        backfilled = await h.events.wait_for(
            BackfillCompleted, count=done.backfill_jobs, correlation_id=command.event_id, within=60
        )
        await outbox_drained(h.database_url)
    month_start = datetime(done.window.end.year, done.window.end.month, 1, tzinfo=UTC)
    assert done.window.start == month_start
    assert len(backfilled) == done.backfill_jobs
    assert {b.jobs_total for b in backfilled} == {done.backfill_jobs}
    assert min(b.window.start for b in backfilled) == last - timedelta(hours=24)
    assert max(b.window.end for b in backfilled) == month_start
    fetched = sorted(h.sim.windows("A65"))
    assert len(fetched) == len(set(fetched)), f"a window was fetched twice: {fetched}"
    # The requests tile the whole planned window, each instant once.
    assert fetched[0][0] == (last - timedelta(hours=24)).strftime(_SIM_FORMAT)
    assert all(a[1] == b[0] for a, b in pairwise(fetched))
    assert fetched[-1][1] == done.window.end.strftime(_SIM_FORMAT)
