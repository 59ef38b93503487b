"""The store's first upsert statement (commit e787122), timed beside the current one with --previous.

It sent every input row through INSERT ... ON CONFLICT DO UPDATE ... WHERE <changed>. The
benchmark showed what that costs: every fresh row is a speculative insertion (more WAL), every
unchanged row that conflicts is still locked (its page dirtied, WAL written, so re-applying
unchanged data was not free on disk), and its `old` CTE joined the input to the stored rows of
the series, which PostgreSQL turned into a hash of the whole series per call whenever it
estimated few rows (new or truncated table, generic plan), dominating daily windows. The store
now uses the statement prototyped in this benchmark: primary-key lookups of the input rows, a plain
INSERT of the new ones and an UPDATE of the changed ones.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ARRAY, DateTime, Float, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.collector.store import UpsertOutcome
from gridstream.contracts import Resolution

_LOCK_BASE = 0x67730000_00000000  # the store's advisory-lock namespace (same lock, same writers)

_UPSERT = text(
    """
    WITH input AS (
        SELECT * FROM unnest(:ts, :vals) AS i(ts, value)
    ),
    old AS (
        SELECT o.ts, o.value, o.resolution, o.last_changed
        FROM observations o JOIN input i ON o.ts = i.ts
        WHERE o.series_id = :series_id
          AND (o.value IS DISTINCT FROM i.value OR o.resolution <> :resolution)
    ),
    archived AS (
        INSERT INTO revisions (series_id, ts, value, resolution, valid_from, valid_to)
        SELECT :series_id, ts, value, resolution, last_changed, :now FROM old
    ),
    written AS (
        INSERT INTO observations AS o (series_id, ts, value, resolution, first_seen, last_changed)
        SELECT :series_id, ts, value, :resolution, :now, :now FROM input
        ON CONFLICT (series_id, ts) DO UPDATE
            SET value = EXCLUDED.value, resolution = EXCLUDED.resolution,
                last_changed = EXCLUDED.last_changed
            WHERE o.value IS DISTINCT FROM EXCLUDED.value OR o.resolution <> EXCLUDED.resolution
        RETURNING o.ts, o.value, (xmax = 0) AS inserted
    )
    SELECT ts, value, inserted FROM written ORDER BY ts
    """
).bindparams(
    bindparam("ts", type_=ARRAY(DateTime(timezone=True))), bindparam("vals", type_=ARRAY(Float))
)


async def upsert_points(
    session: AsyncSession,
    series_id: int,
    resolution: Resolution,
    points: Sequence[tuple[datetime, float | None]],
    now: datetime,
) -> UpsertOutcome:
    """Same contract as gridstream.collector.store.upsert_points, with the statement above."""
    if not points:
        return UpsertOutcome(inserted=[], changed=[])
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_BASE + series_id})
    result = await session.execute(
        _UPSERT,
        {
            "series_id": series_id,
            "resolution": str(resolution),
            "ts": [p[0] for p in points],
            "vals": [p[1] for p in points],
            "now": now,
        },
    )
    inserted: list[tuple[datetime, float | None]] = []
    changed: list[tuple[datetime, float | None]] = []
    for ts, value, was_inserted in result.all():
        (inserted if was_inserted else changed).append((ts, value))
    return UpsertOutcome(inserted=inserted, changed=changed)
