"""Observation store: series, idempotent upserts that keep revisions, and reads as of a time."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ARRAY, DateTime, Float, Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.contracts import DataType, Resolution, SeriesKey

_TS_ARRAY = ARRAY(DateTime(timezone=True))
_LOCK_BASE = 0x67730000_00000000  # advisory-lock namespace of the collector's series writers

_FIND_SERIES_ID = text(
    "SELECT id FROM series WHERE area = :area AND data_type = :data_type AND qualifier = :qualifier"
)
_INSERT_SERIES = text(
    "INSERT INTO series (area, data_type, qualifier, unit) "
    "VALUES (:area, :data_type, :qualifier, :unit) "
    "ON CONFLICT (area, data_type, qualifier) DO NOTHING RETURNING id"
)

# One statement per stretch. The input is joined once to the stored rows of its own slots; new
# slots are inserted, changed ones updated after their old value is archived in `revisions` with
# the interval in which it was the known value. Unchanged rows are not touched at all (no lock, no
# WAL), and no ON CONFLICT is needed: writers of a series are serialised by an advisory lock.
_UPSERT = text(
    """
    WITH input AS (
        SELECT * FROM unnest(:ts, :vals) AS i(ts, value)
    ),
    joined AS (
        SELECT i.ts, i.value, s.value AS old_value, s.resolution AS old_resolution,
               s.last_changed AS old_changed
        FROM input i
        LEFT JOIN LATERAL (
            SELECT value, resolution, last_changed FROM observations o
            WHERE o.series_id = :series_id AND o.ts = i.ts
            OFFSET 0
        ) s ON true
    ),
    changed AS (
        SELECT * FROM joined
        WHERE old_changed IS NOT NULL
          AND (old_value IS DISTINCT FROM value OR old_resolution <> :resolution)
    ),
    archived AS (
        INSERT INTO revisions (series_id, ts, value, resolution, valid_from, valid_to)
        SELECT :series_id, ts, old_value, old_resolution, old_changed, :now FROM changed
    ),
    updated AS (
        UPDATE observations o
        SET value = c.value, resolution = :resolution, last_changed = :now
        FROM changed c
        WHERE o.series_id = :series_id AND o.ts = c.ts
        RETURNING o.ts, o.value, false AS inserted
    ),
    inserted AS (
        INSERT INTO observations (series_id, ts, value, resolution, first_seen, last_changed)
        SELECT :series_id, ts, value, :resolution, :now, :now FROM joined
        WHERE old_changed IS NULL
        RETURNING ts, value, true AS inserted
    )
    SELECT ts, value, inserted FROM updated
    UNION ALL
    SELECT ts, value, inserted FROM inserted
    ORDER BY ts
    """
).bindparams(bindparam("ts", type_=_TS_ARRAY), bindparam("vals", type_=ARRAY(Float)))

_POINTS_AS_OF = text(
    """
    SELECT ts, value, resolution FROM (
        SELECT ts, value, resolution FROM observations
        WHERE series_id = :series_id AND ts >= :start AND ts < :end AND ts > :after
          AND first_seen <= :as_of AND last_changed <= :as_of
        UNION ALL
        SELECT ts, value, resolution FROM revisions
        WHERE series_id = :series_id AND ts >= :start AND ts < :end AND ts > :after
          AND valid_from <= :as_of AND valid_to > :as_of
    ) known
    ORDER BY ts
    LIMIT :limit
    """
)

_POINTS_NOW = text(
    """
    SELECT ts, value, resolution FROM observations
    WHERE series_id = :series_id AND ts >= :start AND ts < :end AND ts > :after
    ORDER BY ts
    LIMIT :limit
    """
)


@dataclass(frozen=True, slots=True)
class StoredSeries:
    """A series row."""

    id: int
    key: SeriesKey
    unit: str


@dataclass(frozen=True, slots=True)
class StoredPoint:
    """One observation as read back."""

    ts: datetime
    value: float | None
    resolution: Resolution


@dataclass(frozen=True, slots=True)
class UpsertOutcome:
    """What an upsert changed: points new to the store and points whose value changed."""

    inserted: list[tuple[datetime, float | None]]
    changed: list[tuple[datetime, float | None]]

    @property
    def touched(self) -> list[tuple[datetime, float | None]]:
        """Every written point, in time order."""
        return sorted(self.inserted + self.changed)


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


async def upsert_points(
    session: AsyncSession,
    series_id: int,
    resolution: Resolution,
    points: Sequence[tuple[datetime, float | None]],
    now: datetime,
) -> UpsertOutcome:
    """Write points; only rows whose value changed are touched, old values go to revisions."""
    if not points:
        return UpsertOutcome(inserted=[], changed=[])
    # Serialise writers of one series: the statement reads before it writes (see _UPSERT).
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


async def read_points(
    session: AsyncSession,
    series_id: int,
    start: datetime,
    end: datetime,
    *,
    as_of: datetime | None = None,
    after: datetime | None = None,
    limit: int = 10_000,
) -> list[StoredPoint]:
    """Points of a series in [start, end) as known now, or as known at `as_of`."""
    params = {
        "series_id": series_id,
        "start": start,
        "end": end,
        "after": after or datetime.min.replace(tzinfo=start.tzinfo),
        "limit": limit,
    }
    statement = _POINTS_NOW if as_of is None else _POINTS_AS_OF
    if as_of is not None:
        params["as_of"] = as_of
    result = await session.execute(statement, params)
    return [StoredPoint(ts, value, Resolution(res)) for ts, value, res in result.all()]


async def list_series(
    session: AsyncSession, area: str | None = None, data_type: DataType | None = None
) -> list[StoredSeries]:
    """Series rows, optionally filtered by area and data type."""
    result = await session.execute(
        text(
            "SELECT id, area, data_type, qualifier, unit FROM series "
            "WHERE (CAST(:area AS text) IS NULL OR area = :area) "
            "AND (CAST(:data_type AS text) IS NULL OR data_type = :data_type) "
            "ORDER BY area, data_type, qualifier"
        ).bindparams(bindparam("area", type_=Text), bindparam("data_type", type_=Text)),
        {"area": area, "data_type": str(data_type) if data_type else None},
    )
    return [_series_row(row) for row in result.all()]


async def get_series(session: AsyncSession, series_id: int) -> StoredSeries | None:
    """One series row by id."""
    result = await session.execute(
        text("SELECT id, area, data_type, qualifier, unit FROM series WHERE id = :id"),
        {"id": series_id},
    )
    row = result.first()
    return _series_row(row) if row is not None else None


async def find_series(session: AsyncSession, key: SeriesKey) -> StoredSeries | None:
    """One series row by key."""
    result = await session.execute(
        text(
            "SELECT id, area, data_type, qualifier, unit FROM series "
            "WHERE area = :area AND data_type = :data_type AND qualifier = :qualifier"
        ),
        {"area": key.area, "data_type": str(key.data_type), "qualifier": key.qualifier},
    )
    row = result.first()
    return _series_row(row) if row is not None else None


async def latest_points(
    session: AsyncSession,
) -> list[tuple[StoredSeries, datetime, float | None, datetime]]:
    """The newest point of every series with its value and when it was last changed."""
    result = await session.execute(
        text(
            """
            SELECT s.id, s.area, s.data_type, s.qualifier, s.unit, o.ts, o.value, o.last_changed
            FROM series s
            CROSS JOIN LATERAL (
                SELECT ts, value, last_changed FROM observations
                WHERE series_id = s.id ORDER BY ts DESC LIMIT 1
            ) o
            ORDER BY s.area, s.data_type, s.qualifier
            """
        )
    )
    return [(_series_row(row[:5]), row[5], row[6], row[7]) for row in result.all()]


async def family_last_point(
    session: AsyncSession, area: str, data_type: DataType
) -> datetime | None:
    """The newest stored timestamp over every series of an (area, data type) family."""
    result = await session.execute(
        text(
            """
            SELECT max(o.ts) FROM series s
            CROSS JOIN LATERAL (
                SELECT ts FROM observations WHERE series_id = s.id ORDER BY ts DESC LIMIT 1
            ) o
            WHERE s.area = :area AND s.data_type = :data_type
            """
        ),
        {"area": area, "data_type": str(data_type)},
    )
    value: datetime | None = result.scalar()
    return value


def _series_row(row: Sequence[object]) -> StoredSeries:
    series_id, area, data_type, qualifier, unit = row
    key = SeriesKey(area=str(area), data_type=DataType(str(data_type)), qualifier=str(qualifier))
    return StoredSeries(id=int(str(series_id)), key=key, unit=str(unit))
