"""As-of reads stay consistent while several writers revise one series at once.

The write time comes from the database (the writers' own clocks, however skewed, take no part).
"""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.collector.app import MIGRATIONS
from gridstream.collector.store import ensure_series, lock_series, read_points
from gridstream.collector.upserts import Stretch, upsert_points, upsert_stretches
from gridstream.contracts import Resolution, SeriesKey
from gridstream.runtime import create_engine, run_migrations, session_maker

T0 = datetime(2025, 1, 1, tzinfo=UTC)
Q = timedelta(minutes=15)
SLOTS = 6
KEY = SeriesKey(area="NL", data_type="actual_load")
TICK = timedelta(microseconds=1)
WRITERS = 4
ROUNDS = 8

Version = tuple[datetime, datetime | None, float | None]
"""valid_from, valid_to (None: still current), value."""


@pytest.fixture
async def makers(database_url: str) -> AsyncIterator[list[async_sessionmaker[AsyncSession]]]:
    """One engine (its own pool) per writer, as separate replicas would have."""
    engines = [create_engine(database_url, "collector") for _ in range(WRITERS)]
    await run_migrations(engines[0], "collector", MIGRATIONS)
    yield [session_maker(engine) for engine in engines]
    for engine in engines:
        await engine.dispose()


async def writer(maker: async_sessionmaker[AsyncSession], sid: int, index: int) -> None:
    """Write ROUNDS revisions of every slot; each round's values are new to the series.

    Odd writers take the series lock with the series lookup, as `write_documents` does; even
    ones let the upsert take it: both must queue behind each other.
    """
    for round_ in range(ROUNDS):
        values = [(T0 + i * Q, float(index * 1000 + round_ * 10 + i)) for i in range(SLOTS)]
        async with maker.begin() as session:
            if index % 2:
                locks = await lock_series(session, {KEY: "MW"})
                await upsert_stretches(session, [Stretch(sid, Resolution.PT15M, values)], locks)
            else:
                await upsert_points(session, sid, Resolution.PT15M, values)
        await asyncio.sleep(0)


async def stored_versions(session: AsyncSession, sid: int) -> dict[datetime, list[Version]]:
    """Every version of every slot: the revisions and the current row."""
    versions: dict[datetime, list[Version]] = defaultdict(list)
    revisions = await session.execute(
        text("SELECT ts, valid_from, valid_to, value FROM revisions WHERE series_id = :s"),
        {"s": sid},
    )
    for ts, valid_from, valid_to, value in revisions.all():
        versions[ts].append((valid_from, valid_to, value))
    current = await session.execute(
        text("SELECT ts, last_changed, value FROM observations WHERE series_id = :s"), {"s": sid}
    )
    for ts, last_changed, value in current.all():
        versions[ts].append((last_changed, None, value))
    return versions


async def test_concurrent_writers_leave_one_value_per_instant(
    makers: list[async_sessionmaker[AsyncSession]],
) -> None:
    async with makers[0].begin() as session:
        sid = await ensure_series(session, KEY, "MW")
    await asyncio.gather(*(writer(maker, sid, i) for i, maker in enumerate(makers)))
    async with makers[0]() as session:
        versions = await stored_versions(session, sid)
        assert sorted(versions) == [T0 + i * Q for i in range(SLOTS)]
        assert all(len(v) > 1 for v in versions.values())  # the writers did revise each other

        async def as_of(instant: datetime) -> dict[datetime, list[float | None]]:
            rows = await read_points(session, sid, T0, T0 + SLOTS * Q, as_of=instant)
            seen: dict[datetime, list[float | None]] = defaultdict(list)
            for point in rows:
                seen[point.ts].append(point.value)
            return seen

        boundaries = {b for vs in versions.values() for v in vs for b in v[:2] if b is not None}
        for instant in sorted({b + d for b in boundaries for d in (-TICK, timedelta(0), TICK)}):
            known = await as_of(instant)
            doubled = {ts: values for ts, values in known.items() if len(values) > 1}
            assert doubled == {}, f"two values as of {instant}"
        for ts, slot_versions in versions.items():
            for valid_from, _, value in slot_versions:
                assert (await as_of(valid_from)).get(ts) == [value], (
                    f"the version of {ts} valid from {valid_from} is never visible"
                )
