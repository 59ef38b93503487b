"""Observation store, write side: batched upserts that keep revisions (series rows: store.py).

Every version's validity is stamped by the database clock, read after the series locks are held,
so writers on other hosts (or with other clocks) cannot store a revision that ends before it began.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise, repeat
from typing import Any

from sqlalchemy import ARRAY, BigInteger, DateTime, Float, Integer, Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.collector.store import SeriesLocks, ensure_series, lock_series_ids
from gridstream.contracts import Resolution

__all__ = [
    "Outcomes",
    "Point",
    "Stretch",
    "UpsertOutcome",
    "ensure_series",  # moved to store.py; still importable from here, where callers found it
    "plan_runs",
    "upsert_points",
    "upsert_stretches",
]

Point = tuple[datetime, float | None]
Piece = tuple[int, str, Sequence[Point]]
"""Series id, resolution and points: a stretch as the upsert plans it."""

_NO_TIME = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)

# One statement for every stretch of a write. Each run reads the stored rows of its own time span
# (one index range scan, where a probe per point cost more) and its points are matched to them;
# new slots are inserted, changed ones updated after their old value is archived in `revisions`
# with the interval in which it was the known value. Unchanged rows are not touched
# (no lock, no WAL), and no ON CONFLICT is needed: writers of a series hold its advisory lock,
# taken by an earlier statement, so this one's snapshot already holds every earlier write.
# The write time is the database's clock once the locks are held (clock_timestamp(): now() would
# be the transaction's start), pushed past the old stamp so no version has an empty interval.
# It answers with the positions (in :vals) of the points inserted and of those changed: the caller
# has the points, and two integer arrays cost far less to build and decode than the rows.
_UPSERT = text(
    """
    WITH clock AS MATERIALIZED (SELECT clock_timestamp() AS at),
    runs AS (
        SELECT * FROM unnest(:sids, :res, :firsts, :lasts, :starts, :steps) WITH ORDINALITY
             AS r(series_id, resolution, first, last, start, step, run)
    ),
    input AS (
        SELECT r.run, r.series_id, r.first + p.i - 1 AS n, p.value, r.resolution,
               r.start + (p.i - 1) * r.step * interval '1 microsecond' AS ts
        FROM runs r
        CROSS JOIN LATERAL unnest((:vals)[r.first:r.last]) WITH ORDINALITY AS p(value, i)
    ),
    stored AS (
        SELECT r.run, o.ts, o.value, o.resolution, o.last_changed
        FROM runs r CROSS JOIN LATERAL (
            SELECT ts, value, resolution, last_changed FROM observations o
            WHERE o.series_id = r.series_id AND o.ts >= r.start
              AND o.ts <= r.start + (r.last - r.first) * r.step * interval '1 microsecond'
            OFFSET 0
        ) o
    ),
    joined AS MATERIALIZED (
        SELECT i.*, s.value AS old_value, s.resolution AS old_resolution,
               s.last_changed AS old_changed
        FROM input i LEFT JOIN stored s ON s.run = i.run AND s.ts = i.ts
    ),
    changed AS MATERIALIZED (
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
    ),
    inserted AS (
        INSERT INTO observations (series_id, ts, value, resolution, first_seen, last_changed)
        SELECT j.series_id, j.ts, j.value, j.resolution, c.at, c.at
        FROM joined j CROSS JOIN clock c
        WHERE j.old_changed IS NULL
    )
    SELECT (SELECT array_agg(n) FROM joined WHERE old_changed IS NULL),
           (SELECT array_agg(n) FROM changed)
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
        if not self.changed:
            return list(self.inserted)
        return sorted(self.inserted + self.changed, key=_time)


Outcomes = dict[tuple[int, Resolution], UpsertOutcome]
"""Per (series id, resolution): what a write changed; stretches that changed nothing are absent."""


async def upsert_stretches(
    session: AsyncSession, stretches: Sequence[Stretch], locks: SeriesLocks | None = None
) -> Outcomes:
    """Write every stretch in one statement; only changed rows are touched, old values archived.

    The series' write locks are taken first by a statement of their own unless `locks` (from
    `lock_series` in this same transaction) holds them already. A slot given twice (overlapping
    pages or windows) is written once, with its last value.
    """
    runs = plan_runs([(s.series_id, str(s.resolution), s.points) for s in stretches])
    if not runs.points:
        return {}
    if locks is None or not locks.held(session, runs.sids):
        await lock_series_ids(session, runs.sids)
    inserted, changed = (await session.execute(_UPSERT, runs.params())).one()
    return _outcomes(runs, inserted or [], changed or [])


def _outcomes(runs: Runs, inserted: list[int], changed: list[int]) -> Outcomes:
    """The points at the positions the upsert reported, per series and resolution, in time order."""
    outcomes: Outcomes = {}
    merged: set[tuple[tuple[int, Resolution], bool]] = set()
    for was_inserted, positions in ((True, inserted), (False, changed)):
        for (sid, resolution), points in runs.pick(positions):
            key = (sid, Resolution(resolution))
            outcome = outcomes.setdefault(key, UpsertOutcome([], []))
            target = outcome.inserted if was_inserted else outcome.changed
            if target:  # a run is in time order, several runs need not be
                merged.add((key, was_inserted))
            target.extend(points)
    for key, was_inserted in merged:
        outcome = outcomes[key]
        (outcome.inserted if was_inserted else outcome.changed).sort(key=_time)
    return outcomes


def _time(point: Point) -> datetime:
    return point[0]


@dataclass(frozen=True, slots=True)
class Runs:
    """One upsert's input: runs of evenly spaced slots (each a start and a step) and their points.

    Sent per run, timestamps need no per-point array: the driver encodes arrays element by element,
    and a timestamp costs it about four times a float. Positions count from 1 over `points`.
    """

    keys: list[tuple[int, str]]
    firsts: list[int]
    lasts: list[int]
    starts: list[datetime]
    steps: list[int]
    points: list[Point]

    @property
    def sids(self) -> list[int]:
        """The series id of each run."""
        return [sid for sid, _ in self.keys]

    def params(self) -> dict[str, Sequence[object]]:
        """The upsert statement's parameters."""
        return {
            "sids": self.sids,
            "res": [res for _, res in self.keys],
            "firsts": self.firsts,
            "lasts": self.lasts,
            "starts": self.starts,
            "steps": self.steps,
            "vals": [value for _, value in self.points],
        }

    def pick(self, positions: list[int]) -> Iterator[tuple[tuple[int, str], list[Point]]]:
        """The points at `positions`, grouped by run: (series id, resolution) and points."""
        positions.sort()
        for key, first, last in zip(self.keys, self.firsts, self.lasts, strict=True):
            low = bisect_left(positions, first)
            high = bisect_right(positions, last, low)
            if high - low == last - first + 1:
                yield key, self.points[first - 1 : last]
            elif high > low:
                yield key, [self.points[n - 1] for n in positions[low:high]]


def plan_runs(pieces: Sequence[Piece]) -> Runs:
    """The runs of every piece; a slot given twice is sent once, with its last value."""
    planned = [(*piece, _even_runs(piece[2])) for piece in pieces if piece[2]]
    if not _distinct_slots(planned):
        planned = [(*piece, _even_runs(piece[2])) for piece in _deduplicated(pieces)]
    runs = Runs([], [], [], [], [], [])
    for sid, resolution, points, spans in planned:
        for start, end, step in spans:
            runs.keys.append((sid, resolution))
            runs.firsts.append(len(runs.points) + 1)
            runs.points.extend(points[start:end])
            runs.lasts.append(len(runs.points))
            runs.starts.append(points[start][0])
            runs.steps.append(step)
    return runs


def _even_runs(points: Sequence[Point]) -> list[tuple[int, int, int]]:
    """[start, end) index ranges of ascending, evenly spaced points, with their step in µs."""
    stamps = [ts for ts, _ in points]
    if len(stamps) > 1:
        step = stamps[1] - stamps[0]
        # The usual case, a whole stretch at one resolution, checked in C rather than per point.
        gaps = map(operator.sub, stamps[1:], stamps[:-1])
        if step > _NO_TIME and all(map(operator.eq, gaps, repeat(step))):
            return [(0, len(stamps), step // _MICROSECOND)]
    runs, start = [], 0
    while start < len(stamps):
        end, step = start + 1, _NO_TIME
        if end < len(stamps) and stamps[end] > stamps[start]:
            step = stamps[end] - stamps[start]
            while end < len(stamps) and stamps[end] - stamps[end - 1] == step:
                end += 1
        runs.append((start, end, step // _MICROSECOND))
        start = end
    return runs


def _distinct_slots(planned: Sequence[tuple[int, str, Sequence[Point], list[Any]]]) -> bool:
    """Whether no slot is given twice: each piece one ascending run, none overlapping another."""
    spans = []
    for sid, _, points, runs in planned:
        if len(runs) != 1:
            return False
        spans.append((sid, points[0][0], points[-1][0]))
    spans.sort()
    return all(a[0] != b[0] or a[2] < b[1] for a, b in pairwise(spans))


def _deduplicated(pieces: Sequence[Piece]) -> list[Piece]:
    """Pieces in which every slot appears once, at its first place, with its last value."""
    latest: dict[tuple[int, datetime], tuple[str, Point]] = {}
    for sid, resolution, points in pieces:
        for point in points:
            latest[(sid, point[0])] = (resolution, point)
    deduplicated: list[tuple[int, str, list[Point]]] = []
    for (sid, _), (resolution, point) in latest.items():
        if deduplicated and deduplicated[-1][:2] == (sid, resolution):
            deduplicated[-1][2].append(point)
        else:
            deduplicated.append((sid, resolution, [point]))
    return list(deduplicated)


async def upsert_points(
    session: AsyncSession, series_id: int, resolution: Resolution, points: Sequence[Point]
) -> UpsertOutcome:
    """Write one stretch; only rows whose value changed are touched, old values go to revisions."""
    outcomes = await upsert_stretches(session, [Stretch(series_id, resolution, points)])
    return outcomes.get((series_id, resolution), UpsertOutcome([], []))
