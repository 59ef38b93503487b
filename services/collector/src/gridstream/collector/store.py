"""Observation store, read side: series and points as known now or as of a time (writes: upserts.py)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.contracts import DataType, Resolution, SeriesKey

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
