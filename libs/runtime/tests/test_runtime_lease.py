"""Named leases against real PostgreSQL: one holder, renewal, expiry on the database clock, release."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.runtime import (
    acquire_or_renew,
    create_engine,
    holds_lease,
    lease_holder,
    release_lease,
    run_migrations,
    session_maker,
)
from gridstream.testing import wait_until

SCHEMA = "leasetest"
Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
async def maker(database_url: str) -> AsyncIterator[Maker]:
    engine = create_engine(database_url, SCHEMA)
    await run_migrations(engine, SCHEMA)
    yield session_maker(engine)
    await engine.dispose()


async def _acquire(maker: Maker, owner: str, seconds: float = 30.0, name: str = "job") -> bool:
    async with maker() as session, session.begin():
        return await acquire_or_renew(session, name, owner, seconds)


async def _holder(maker: Maker, name: str = "job") -> str | None:
    async with maker() as session:
        found = await lease_holder(session, name)
    return None if found is None else found.owner


async def _lock_waiters(maker: Maker) -> bool:
    sql = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    async with maker() as session:
        return bool((await session.execute(text(sql))).scalar_one())


async def test_one_holder_renews_others_wait(maker: Maker) -> None:
    assert await _acquire(maker, "a")
    assert not await _acquire(maker, "b")
    assert await _acquire(maker, "a")
    assert await _holder(maker) == "a"
    assert await _acquire(maker, "b", name="other")  # leases are independent by name
    assert await _holder(maker, "other") == "b"


async def test_an_expired_lease_is_taken_over(maker: Maker) -> None:
    assert await _acquire(maker, "a", seconds=0.2)
    await asyncio.sleep(0.3)  # the database clock must pass the lease's end
    assert await _holder(maker) is None
    assert await _acquire(maker, "b")
    assert await _holder(maker) == "b"
    assert not await _acquire(maker, "a")


async def test_release_frees_the_lease_at_once(maker: Maker) -> None:
    assert await _acquire(maker, "a")
    async with maker() as session, session.begin():
        await release_lease(session, "job", "b")  # not the holder: nothing happens
    assert await _holder(maker) == "a"
    async with maker() as session, session.begin():
        await release_lease(session, "job", "a")
    assert await _holder(maker) is None
    assert await _acquire(maker, "b")


async def test_acquired_at_is_kept_across_renewals(maker: Maker) -> None:
    assert await _acquire(maker, "a")
    async with maker() as session:
        first = await lease_holder(session, "job")
    assert await _acquire(maker, "a")
    async with maker() as session:
        again = await lease_holder(session, "job")
    assert first is not None
    assert again is not None
    assert again.acquired_at == first.acquired_at
    assert again.lease_until > first.lease_until


async def test_holds_locks_the_row_so_a_rival_waits_for_the_transaction(maker: Maker) -> None:
    assert await _acquire(maker, "a", seconds=0.3)
    async with maker() as session, session.begin():
        assert await holds_lease(session, "job", "a")
        rival = asyncio.create_task(_acquire(maker, "b"))
        await wait_until(lambda: _lock_waiters(maker), timeout=10, description="rival waits")
        await asyncio.sleep(0.4)  # the lease expires meanwhile, but the row stays locked
        assert not rival.done()
    assert await rival  # after the commit the expired lease is free
    async with maker() as session:
        assert not await holds_lease(session, "job", "a")


async def test_a_non_positive_duration_is_refused(maker: Maker) -> None:
    async with maker() as session:
        with pytest.raises(ValueError, match="positive"):
            await acquire_or_renew(session, "job", "a", 0)
