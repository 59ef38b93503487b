"""Observation store: series rows (ids, creation, write locks) and points as known now or as of a time.

The upserts that write points are in upserts.py.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.contracts import DataType, Resolution, SeriesKey

_LOCK_BASE = 0x67730000_00000000  # advisory-lock namespace of the collector's series writers

_FIND_SERIES_ID = text(
    "SELECT id FROM series WHERE area = :area AND data_type = :data_type AND qualifier = :qualifier"
)
_INSERT_SERIES = text(
    "INSERT INTO series (area, data_type, qualifier, unit) "
    "VALUES (:area, :data_type, :qualifier, :unit) "
    "ON CONFLICT (area, data_type, qualifier) DO NOTHING RETURNING id"
)
_KEYS = (
    bindparam("areas", type_=ARRAY(Text)),
    bindparam("types", type_=ARRAY(Text)),
    bindparam("quals", type_=ARRAY(Text)),
)
_FOUND = """
    SELECT k.n, s.id FROM unnest(:areas, :types, :quals) WITH ORDINALITY AS k(a, t, q, n)
    JOIN series s ON s.area = k.a AND s.data_type = k.t AND s.qualifier = k.q
"""
_FIND_SERIES_IDS = text(_FOUND).bindparams(*_KEYS)
# The lookup of a write takes its series locks too, in id order, so two writes sharing series
# queue behind each other instead of deadlocking (a sorted subquery is never flattened into the
# caller). Nothing is locked unless every series exists: new ones are created first, then all are
# locked by this one statement again, never some before and some after.
_FIND_AND_LOCK_SERIES_IDS = text(
    f"""
    WITH found AS MATERIALIZED ({_FOUND}),
    complete AS MATERIALIZED (SELECT count(*) = :count AS yes FROM found)
    SELECT sorted.n, sorted.id, complete.yes,
           CASE WHEN complete.yes THEN pg_advisory_xact_lock({_LOCK_BASE} + sorted.id) END
    FROM (SELECT n, id FROM found ORDER BY id) AS sorted CROSS JOIN complete
    """
).bindparams(*_KEYS)
_LOCK_SERIES = text(
    "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(:keys) AS k ORDER BY 1) AS sorted"
).bindparams(bindparam("keys", type_=ARRAY(BigInteger)))

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
class SeriesLocks:
    """Series ids whose write locks a transaction holds (from `lock_series`)."""

    ids: dict[SeriesKey, int]
    transaction: object
    """The innermost session transaction that took them; in any other they are taken again."""

    def held(self, session: AsyncSession, series_ids: Sequence[int]) -> bool:
        """Whether `session`'s current transaction holds the locks of all of `series_ids`."""
        current = _innermost(session)
        return (
            current is not None
            and current is self.transaction
            and set(series_ids) <= set(self.ids.values())
        )


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
    found = await session.execute(_FIND_SERIES_IDS, _key_params(keys))
    ids = {keys[n - 1]: int(sid) for n, sid in found.all()}
    for key in keys:
        if key not in ids:
            ids[key] = await ensure_series(session, key, units[key])
    return ids


async def lock_series(session: AsyncSession, units: Mapping[SeriesKey, str]) -> SeriesLocks:
    """The ids of several series, created on first sight, with their write locks held.

    One round trip when every series exists: the lookup takes the locks a write needs anyway.
    """
    keys = list(units)
    for _ in range(2):
        ids, complete = await _find_and_lock(session, keys)
        if complete:
            return SeriesLocks(ids, _innermost(session))
        for key in keys:
            if key not in ids:
                await ensure_series(session, key, units[key])
    # Created in this transaction just now, so the second lookup sees every one of them.
    raise LookupError("series created by this write are not visible to it")


async def _find_and_lock(
    session: AsyncSession, keys: list[SeriesKey]
) -> tuple[dict[SeriesKey, int], bool]:
    if not keys:
        return {}, True
    found = await session.execute(
        _FIND_AND_LOCK_SERIES_IDS, {**_key_params(keys), "count": len(keys)}
    )
    rows = found.all()
    return {keys[n - 1]: int(sid) for n, sid, _, _ in rows}, bool(rows and rows[0][2])


def _key_params(keys: Sequence[SeriesKey]) -> dict[str, list[str]]:
    return {
        "areas": [k.area for k in keys],
        "types": [str(k.data_type) for k in keys],
        "quals": [k.qualifier for k in keys],
    }


def _innermost(session: AsyncSession) -> object:
    sync = session.sync_session
    return sync.get_nested_transaction() or sync.get_transaction()


async def lock_series_ids(session: AsyncSession, series_ids: Sequence[int]) -> None:
    """Take the write locks of series known by id (writers that did not get them from `lock_series`)."""
    keys = [_LOCK_BASE + sid for sid in sorted(set(series_ids))]
    await session.execute(_LOCK_SERIES, {"keys": keys})


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
