"""The observation store against real PostgreSQL: idempotent upserts, revisions, reads as of a time."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.collector.app import MIGRATIONS
from gridstream.collector.store import StoredPoint, ensure_series, read_points, upsert_points
from gridstream.contracts import Resolution, SeriesKey
from gridstream.runtime import create_engine, run_migrations, session_maker

T0 = datetime(2025, 1, 1, tzinfo=UTC)
Q = timedelta(minutes=15)
KEY = SeriesKey(area="NL", data_type="actual_load")


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url, "collector")
    await run_migrations(engine, "collector", MIGRATIONS)
    await run_migrations(engine, "collector", MIGRATIONS)  # idempotent
    yield session_maker(engine)
    await engine.dispose()


def points(*values: float | None) -> list[tuple[datetime, float | None]]:
    return [(T0 + i * Q, v) for i, v in enumerate(values)]


async def test_upserts_keep_revisions_and_answer_as_of(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    known = [T0 + timedelta(days=d) for d in range(4)]
    async with sessions.begin() as session:
        sid = await ensure_series(session, KEY, "MW")
        assert await ensure_series(session, KEY, "MW") == sid
        first = await upsert_points(session, sid, Resolution.PT15M, points(1, 2, None), known[0])
    assert (len(first.inserted), first.changed) == (3, [])

    async with sessions.begin() as session:
        same = await upsert_points(session, sid, Resolution.PT15M, points(1, 2, None), known[1])
    assert (same.inserted, same.changed) == ([], [])

    async with sessions.begin() as session:
        revised = await upsert_points(session, sid, Resolution.PT15M, points(1, 5, 3, 4), known[2])
    assert revised.inserted == [(T0 + 3 * Q, 4.0)]
    assert revised.changed == [(T0 + Q, 5.0), (T0 + 2 * Q, 3.0)]

    async with sessions.begin() as session:
        again = await upsert_points(session, sid, Resolution.PT15M, points(1, 6), known[3])
    assert again.changed == [(T0 + Q, 6.0)]

    async with sessions() as session:

        async def read(as_of: datetime | None) -> list[StoredPoint]:
            return await read_points(session, sid, T0, T0 + timedelta(hours=1), as_of=as_of)

        before = await read(known[0] - timedelta(seconds=1))
        at_first = await read(known[1])
        at_revision = await read(known[2] + timedelta(hours=1))
        now = await read(None)
        revision_rows = (await session.execute(text("SELECT count(*) FROM revisions"))).scalar()
        second_row = (
            await session.execute(
                text("SELECT first_seen, last_changed FROM observations WHERE ts = :ts"),
                {"ts": T0 + Q},
            )
        ).one()
    assert before == []
    assert [(p.ts, p.value) for p in at_first] == points(1, 2, None)
    assert [(p.ts, p.value) for p in at_revision] == points(1, 5, 3, 4)
    assert [(p.ts, p.value) for p in now] == points(1, 6, 3, 4)
    assert {p.resolution for p in now} == {Resolution.PT15M}
    assert revision_rows == 3
    assert tuple(second_row) == (known[0], known[3])


async def test_a_resolution_change_of_the_same_slot_is_a_revision(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        sid = await ensure_series(session, KEY, "MW")
        await upsert_points(session, sid, Resolution.PT60M, points(7), T0)
        moved = await upsert_points(session, sid, Resolution.PT15M, points(7), T0 + Q)
    assert moved.changed == [(T0, 7.0)]
    async with sessions() as session:
        [now] = await read_points(session, sid, T0, T0 + Q)
        [then] = await read_points(session, sid, T0, T0 + Q, as_of=T0)
    assert (now.resolution, then.resolution) == (Resolution.PT15M, Resolution.PT60M)
