"""The observation store against real PostgreSQL: idempotent upserts, revisions, reads as of a time."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.collector.app import MIGRATIONS
from gridstream.collector.store import (
    StoredPoint,
    ensure_series,
    ensure_series_ids,
    lock_series,
    read_points,
)
from gridstream.collector.upserts import Stretch, UpsertOutcome, upsert_points, upsert_stretches
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


async def last_stamp(sessions: async_sessionmaker[AsyncSession]) -> datetime:
    """The newest write time the database stamped on a row."""
    async with sessions() as session:
        stamp: datetime = (
            await session.execute(text("SELECT max(last_changed) FROM observations"))
        ).scalar_one()
    return stamp


async def test_upserts_keep_revisions_and_answer_as_of(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        sid = await ensure_series(session, KEY, "MW")
        assert await ensure_series(session, KEY, "MW") == sid
        first = await upsert_points(session, sid, Resolution.PT15M, points(1, 2, None))
    assert (len(first.inserted), first.changed) == (3, [])
    first_at = await last_stamp(sessions)

    async with sessions.begin() as session:
        same = await upsert_points(session, sid, Resolution.PT15M, points(1, 2, None))
    assert (same.inserted, same.changed) == ([], [])
    assert await last_stamp(sessions) == first_at  # nothing rewritten

    async with sessions.begin() as session:
        revised = await upsert_points(session, sid, Resolution.PT15M, points(1, 5, 3, 4))
    assert revised.inserted == [(T0 + 3 * Q, 4.0)]
    assert revised.changed == [(T0 + Q, 5.0), (T0 + 2 * Q, 3.0)]
    revised_at = await last_stamp(sessions)

    async with sessions.begin() as session:
        again = await upsert_points(session, sid, Resolution.PT15M, points(1, 6))
    assert again.changed == [(T0 + Q, 6.0)]
    again_at = await last_stamp(sessions)
    assert first_at < revised_at < again_at

    async with sessions() as session:

        async def read(as_of: datetime | None) -> list[StoredPoint]:
            return await read_points(session, sid, T0, T0 + timedelta(hours=1), as_of=as_of)

        before = await read(first_at - timedelta(microseconds=1))
        at_first = await read(revised_at - timedelta(microseconds=1))
        at_revision = await read(revised_at)
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
    assert tuple(second_row) == (first_at, again_at)


async def test_a_resolution_change_of_the_same_slot_is_a_revision(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        sid = await ensure_series(session, KEY, "MW")
        await upsert_points(session, sid, Resolution.PT60M, points(7))
    first_at = await last_stamp(sessions)
    async with sessions.begin() as session:
        moved = await upsert_points(session, sid, Resolution.PT15M, points(7))
    assert moved.changed == [(T0, 7.0)]
    async with sessions() as session:
        [now] = await read_points(session, sid, T0, T0 + Q)
        [then] = await read_points(session, sid, T0, T0 + Q, as_of=first_at)
    assert (now.resolution, then.resolution) == (Resolution.PT15M, Resolution.PT60M)


async def test_one_write_batches_series_and_reports_each(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    other = SeriesKey(area="BE", data_type="actual_load")
    async with sessions.begin() as session:
        ids = await ensure_series_ids(session, {KEY: "MW", other: "MW"})
        assert await ensure_series_ids(session, {other: "MW", KEY: "MW"}) == ids
        await upsert_points(session, ids[KEY], Resolution.PT15M, points(1, 2))
    async with sessions.begin() as session:
        outcomes = await upsert_stretches(
            session,
            [
                Stretch(ids[KEY], Resolution.PT15M, points(1, 9)),
                Stretch(ids[other], Resolution.PT60M, points(4)),
                Stretch(ids[KEY], Resolution.PT15M, points(1, 8, 3)),  # overlaps: last value wins
            ],
        )
    assert outcomes == {
        (ids[KEY], Resolution.PT15M): UpsertOutcome(
            inserted=[(T0 + 2 * Q, 3.0)], changed=[(T0 + Q, 8.0)]
        ),
        (ids[other], Resolution.PT60M): UpsertOutcome(inserted=[(T0, 4.0)], changed=[]),
    }
    async with sessions() as session:
        revisions = (await session.execute(text("SELECT value FROM revisions"))).scalars().all()
    assert revisions == [2.0]  # one revision: 9 was never stored


async def test_a_stamp_ahead_of_the_database_clock_still_ends_before_the_next(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        sid = await ensure_series(session, KEY, "MW")
        await upsert_points(session, sid, Resolution.PT15M, points(1))
        # As an older replica with a fast clock would have left it.
        ahead = (
            await session.execute(
                text(
                    "UPDATE observations SET first_seen = now() + interval '1 hour', "
                    "last_changed = now() + interval '1 hour' RETURNING last_changed"
                )
            )
        ).scalar_one()
    async with sessions.begin() as session:
        await upsert_points(session, sid, Resolution.PT15M, points(2))
    async with sessions() as session:
        revision = (await session.execute(text("SELECT valid_from, valid_to FROM revisions"))).one()
        [old] = await read_points(session, sid, T0, T0 + Q, as_of=ahead)
        [new] = await read_points(session, sid, T0, T0 + Q, as_of=revision.valid_to)
    assert tuple(revision) == (ahead, ahead + timedelta(microseconds=1))
    assert (old.value, new.value) == (1.0, 2.0)


async def test_unevenly_spaced_points_keep_their_timestamps(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    slots = [0, 1, 3, 4, 5, 10, 11, 40]
    given = [(T0 + i * Q, float(i)) for i in slots] + [(T0 + timedelta(days=400), None)]
    async with sessions.begin() as session:
        sid = await ensure_series(session, KEY, "MW")
        outcome = await upsert_points(session, sid, Resolution.PT15M, given)
    assert outcome.inserted == given
    async with sessions() as session:
        stored = await read_points(session, sid, T0, T0 + timedelta(days=500))
    assert [(p.ts, p.value) for p in stored] == given


async def held_series_locks(session: AsyncSession) -> int:
    """How many advisory locks this session's backend holds."""
    count: int = (
        await session.execute(
            text(
                "SELECT count(*) FROM pg_locks "
                "WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
            )
        )
    ).scalar_one()
    return count


async def test_the_series_lookup_takes_the_write_locks_so_the_upsert_is_one_statement(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    other = SeriesKey(area="BE", data_type="actual_load")
    async with sessions.begin() as session:
        known = await ensure_series(session, other, "MW")
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    async with sessions.begin() as session:
        locks = await lock_series(session, {KEY: "MW", other: "MW"})  # KEY is new
        assert locks.ids[other] == known
        assert await held_series_locks(session) == 2
        connection = await session.connection()
        event.listen(connection.sync_connection, "before_cursor_execute", count)
        outcomes = await upsert_stretches(
            session,
            [
                Stretch(locks.ids[KEY], Resolution.PT15M, points(1, 2)),
                Stretch(known, Resolution.PT15M, points(3)),
            ],
            locks,
        )
        event.remove(connection.sync_connection, "before_cursor_execute", count)
    assert len(statements) == 1  # no statement of its own for the locks
    assert {key: len(o.inserted) for key, o in outcomes.items()} == {
        (locks.ids[KEY], Resolution.PT15M): 2,
        (known, Resolution.PT15M): 1,
    }

    async with sessions.begin() as session:
        # Locks of an earlier transaction are gone: the upsert takes them again.
        assert await held_series_locks(session) == 0
        await upsert_stretches(session, [Stretch(known, Resolution.PT15M, points(4))], locks)
        assert await held_series_locks(session) == 1


async def test_a_coarser_stretch_over_finer_stored_slots_changes_only_its_own(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        sid = await ensure_series(session, KEY, "MW")
        await upsert_points(session, sid, Resolution.PT15M, points(*range(8)))
    hourly = [(T0, 10.0), (T0 + 4 * Q, 4.0), (T0 + 8 * Q, 11.0)]
    async with sessions.begin() as session:
        outcomes = await upsert_stretches(
            session,
            [
                Stretch(sid, Resolution.PT60M, hourly),
                Stretch(sid, Resolution.PT15M, [(T0 + Q, 21.0)]),  # between the hourly slots
            ],
        )
    assert outcomes == {
        (sid, Resolution.PT60M): UpsertOutcome(
            inserted=[(T0 + 8 * Q, 11.0)], changed=[(T0, 10.0), (T0 + 4 * Q, 4.0)]
        ),
        (sid, Resolution.PT15M): UpsertOutcome(inserted=[], changed=[(T0 + Q, 21.0)]),
    }
    async with sessions() as session:
        stored = await read_points(session, sid, T0, T0 + 9 * Q)
        revisions = (await session.execute(text("SELECT count(*) FROM revisions"))).scalar()
    assert [(p.ts, p.value) for p in stored] == [
        (T0, 10.0),
        (T0 + Q, 21.0),
        *points(*range(8))[2:4],
        (T0 + 4 * Q, 4.0),
        *points(*range(8))[5:],
        (T0 + 8 * Q, 11.0),
    ]
    assert revisions == 3  # slot 4 changed its resolution only
