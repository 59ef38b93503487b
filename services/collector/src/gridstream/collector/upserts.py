"""Observation store, write side: series ids and batched upserts that keep revisions.

Every version's validity is stamped by the database clock, read after the series locks are held,
so writers on other hosts (or with other clocks) cannot store a revision that ends before it began.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, BigInteger, DateTime, Float, Integer, Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.contracts import Resolution, SeriesKey

Point = tuple[datetime, float | None]

_MICROSECOND = timedelta(microseconds=1)
_LOCK_BASE = 0x67730000_00000000  # advisory-lock namespace of the collector's series writers

_FIND_SERIES_ID = text(
    "SELECT id FROM series WHERE area = :area AND data_type = :data_type AND qualifier = :qualifier"
)
_INSERT_SERIES = text(
    "INSERT INTO series (area, data_type, qualifier, unit) "
    "VALUES (:area, :data_type, :qualifier, :unit) "
    "ON CONFLICT (area, data_type, qualifier) DO NOTHING RETURNING id"
)
_FIND_SERIES_IDS = text(
    """
    SELECT k.n, s.id FROM unnest(:areas, :types, :quals) WITH ORDINALITY AS k(a, t, q, n)
    JOIN series s ON s.area = k.a AND s.data_type = k.t AND s.qualifier = k.q
    """
).bindparams(
    bindparam("areas", type_=ARRAY(Text)),
    bindparam("types", type_=ARRAY(Text)),
    bindparam("quals", type_=ARRAY(Text)),
)

# One statement locks every series of a write, in key order, so two writes sharing series queue
# behind each other instead of deadlocking. (A sorted subquery is never flattened into the caller.)
_LOCK_SERIES = text(
    "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(:keys) AS k ORDER BY 1) AS sorted"
).bindparams(bindparam("keys", type_=ARRAY(BigInteger)))

# One statement for every stretch of a write. The input is joined once to the stored rows of its
# own slots; new slots are inserted, changed ones updated after their old value is archived in
# `revisions` with the interval in which it was the known value. Unchanged rows are not touched
# (no lock, no WAL), and no ON CONFLICT is needed: writers of a series hold its advisory lock.
# The write time is the database's clock once the locks are held (clock_timestamp(): now() would
# be the transaction's start), pushed past the old stamp so no version has an empty interval.
_UPSERT = text(
    """
    WITH clock AS MATERIALIZED (SELECT clock_timestamp() AS at),
    input AS (
        SELECT r.series_id, r.start + (p.i - 1) * r.step * interval '1 microsecond' AS ts,
               p.value, r.resolution
        FROM unnest(:sids, :res, :firsts, :lasts, :starts, :steps)
             AS r(series_id, resolution, first, last, start, step)
        CROSS JOIN LATERAL unnest((:vals)[r.first:r.last]) WITH ORDINALITY AS p(value, i)
    ),
    joined AS (
        SELECT i.*, s.value AS old_value, s.resolution AS old_resolution,
               s.last_changed AS old_changed
        FROM input i
        LEFT JOIN LATERAL (
            SELECT value, resolution, last_changed FROM observations o
            WHERE o.series_id = i.series_id AND o.ts = i.ts
            OFFSET 0
        ) s ON true
    ),
    changed AS (
        SELECT j.*, greatest(c.at, j.old_changed + interval '1 microsecond') AS changed_at
        FROM joined j CROSS JOIN clock c
        WHERE j.old_changed IS NOT NULL
          AND (j.old_value IS DISTINCT FROM j.value OR j.old_resolution <> j.resolution)
    ),
    archived AS (
        INSERT INTO revisions (series_id, ts, value, resolution, valid_from, valid_to)
        SELECT series_id, ts, old_value, old_resolution, old_changed, changed_at FROM changed
    ),
    updated AS (
        UPDATE observations o
        SET value = c.value, resolution = c.resolution, last_changed = c.changed_at
        FROM changed c
        WHERE o.series_id = c.series_id AND o.ts = c.ts
        RETURNING o.series_id, o.ts, o.value, o.resolution, false AS inserted
    ),
    inserted AS (
        INSERT INTO observations (series_id, ts, value, resolution, first_seen, last_changed)
        SELECT j.series_id, j.ts, j.value, j.resolution, c.at, c.at
        FROM joined j CROSS JOIN clock c
        WHERE j.old_changed IS NULL
        RETURNING series_id, ts, value, resolution, true AS inserted
    )
    -- One row per (series, resolution, inserted or changed): arrays decode far faster than rows.
    SELECT series_id, resolution, inserted, array_agg(ts ORDER BY ts), array_agg(value ORDER BY ts)
    FROM (SELECT * FROM updated UNION ALL SELECT * FROM inserted) AS written
    GROUP BY series_id, resolution, inserted
    """
).bindparams(
    bindparam("sids", type_=ARRAY(Integer)),
    bindparam("res", type_=ARRAY(Text)),
    bindparam("firsts", type_=ARRAY(Integer)),
    bindparam("lasts", type_=ARRAY(Integer)),
    bindparam("starts", type_=ARRAY(DateTime(timezone=True))),
    bindparam("steps", type_=ARRAY(BigInteger)),
    bindparam("vals", type_=ARRAY(Float)),
)


@dataclass(frozen=True, slots=True)
class Stretch:
    """Points of one series at one resolution, as a write hands them in."""

    series_id: int
    resolution: Resolution
    points: Sequence[Point]


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    """What an upsert changed: points new to the store and points whose value changed."""

    inserted: list[Point]
    changed: list[Point]

    @property
    def touched(self) -> list[Point]:
        """Every written point, in time order."""
        return sorted(self.inserted + self.changed)


Outcomes = dict[tuple[int, Resolution], UpsertOutcome]
"""Per (series id, resolution): what a write changed; stretches that changed nothing are absent."""


async def ensure_series(session: AsyncSession, key: SeriesKey, unit: str) -> int:
    """The id of a series, created on first sight."""
    params = {"area": key.area, "data_type": str(key.data_type), "qualifier": key.qualifier}
    found = (await session.execute(_FIND_SERIES_ID, params)).scalar()
    if found is None:
        found = (await session.execute(_INSERT_SERIES, {**params, "unit": unit})).scalar()
    if found is None:
        # Another writer inserted it after our first look; this new statement sees its commit.
        found = (await session.execute(_FIND_SERIES_ID, params)).scalar_one()
    return int(found)


async def ensure_series_ids(
    session: AsyncSession, units: Mapping[SeriesKey, str]
) -> dict[SeriesKey, int]:
    """The ids of several series in one round trip; those not seen before are created."""
    keys = list(units)
    if not keys:
        return {}
    found = await session.execute(
        _FIND_SERIES_IDS,
        {
            "areas": [k.area for k in keys],
            "types": [str(k.data_type) for k in keys],
            "quals": [k.qualifier for k in keys],
        },
    )
    ids = {keys[n - 1]: int(sid) for n, sid in found.all()}
    for key in keys:
        if key not in ids:
            ids[key] = await ensure_series(session, key, units[key])
    return ids


async def upsert_stretches(session: AsyncSession, stretches: Sequence[Stretch]) -> Outcomes:
    """Write every stretch in two statements; only changed rows are touched, old values archived.

    A slot given twice (overlapping pages or windows) is written once, with its last value.
    """
    latest: dict[tuple[int, datetime], tuple[float | None, str]] = {}
    for stretch in stretches:
        resolution = str(stretch.resolution)
        for ts, value in stretch.points:
            latest[(stretch.series_id, ts)] = (value, resolution)
    if not latest:
        return {}
    series_ids = sorted({sid for sid, _ in latest})
    await session.execute(_LOCK_SERIES, {"keys": [_LOCK_BASE + sid for sid in series_ids]})
    result = await session.execute(
        _UPSERT,
        {
            **_runs(latest),
            "vals": [value for value, _ in latest.values()],
        },
    )
    outcomes: Outcomes = {}
    for sid, resolution, was_inserted, stamps, values in result.all():
        outcome = outcomes.setdefault((sid, Resolution(resolution)), UpsertOutcome([], []))
        (outcome.inserted if was_inserted else outcome.changed).extend(
            zip(stamps, values, strict=True)
        )
    return outcomes


def _runs(latest: Mapping[tuple[int, datetime], tuple[float | None, str]]) -> dict[str, list[Any]]:
    """Runs of evenly spaced slots of one series and resolution: where each starts, its step.

    Sent per run, timestamps need no per-point array: the driver encodes arrays element by
    element, which costs more than the statement's own work per point. Uneven slots simply
    start new runs.
    """
    runs: dict[str, list[Any]] = {k: [] for k in ("sids", "res", "firsts", "lasts", "starts")}
    steps: list[timedelta | None] = []
    last: tuple[int, str, datetime] | None = None
    for position, ((sid, ts), (_, resolution)) in enumerate(latest.items(), start=1):
        if last is not None and last[:2] == (sid, resolution) and ts > last[2]:
            step = ts - last[2]
            if steps[-1] is None:
                steps[-1] = step
            if steps[-1] == step:
                runs["lasts"][-1] = position
                last = (sid, resolution, ts)
                continue
        for name, value in zip(runs, (sid, resolution, position, position, ts), strict=True):
            runs[name].append(value)
        steps.append(None)
        last = (sid, resolution, ts)
    runs["steps"] = [0 if step is None else step // _MICROSECOND for step in steps]
    return runs


async def upsert_points(
    session: AsyncSession, series_id: int, resolution: Resolution, points: Sequence[Point]
) -> UpsertOutcome:
    """Write one stretch; only rows whose value changed are touched, old values go to revisions."""
    outcomes = await upsert_stretches(session, [Stretch(series_id, resolution, points)])
    return outcomes.get((series_id, resolution), UpsertOutcome([], []))
