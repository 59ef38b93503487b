"""The firing loop: only the lease holder fires. A round renews the lease and fires every due
schedule in ONE transaction, so a replica that lost the lease can never publish, and fires due
together cost one transaction, not one each.

The leader wakes at the next due instant (or when woken: an API change, an outcome) and at least
every third of the lease; after each round it marks fires with no outcome lost and purges
history. A replica without the lease sleeps until the holder's lease ends (by the database's
clock), so it takes over as soon as a dead holder's lease expires.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.runtime import acquire_or_renew, lease_holder, release_lease
from gridstream.runtime.background import BackgroundTask, wait_for_event
from gridstream.scheduler import history, rounds
from gridstream.scheduler.batch import plan_round

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
PURGE_EVERY = timedelta(hours=1)
EXPIRY_SLACK = 0.02
"""Seconds past the holder's ``lease_until`` before trying again: the lease is then expired."""


@dataclass(frozen=True, slots=True)
class FiringDeps:
    """What the firing loop needs."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]
    owner: str
    lease_seconds: float
    max_idle: float
    outcome_timeout: timedelta
    history_retention: timedelta
    untracked: frozenset[str] = frozenset()
    """Command types whose outcome event nobody publishes yet: their fires are never open."""


class FiringLoop(BackgroundTask):
    """Holds the firing lease and fires due schedules; every replica runs one, one leads."""

    def __init__(self, deps: FiringDeps) -> None:
        super().__init__("gridstream-scheduler-firing")
        self.deps = deps
        self.leader = False
        self._woken = asyncio.Event()
        self._purged_at: datetime | None = None

    def wake(self) -> None:
        """Look for due fires now (after a schedule changed or a fire finished)."""
        self._woken.set()

    def stop_requested(self) -> None:
        """Wake the loop so it ends at once."""
        self._woken.set()

    async def run(self) -> None:
        """Renew the lease and fire what is due until stopped; then give the lease up."""
        while not self.stopping.is_set():
            self._woken.clear()
            delay = await self.step()
            await wait_for_event(self._woken, delay)
        await self._release()

    async def step(self) -> float:
        """One round: take or renew the lease and fire what is due; seconds until the next."""
        renew_every = self.deps.lease_seconds / 3
        now = self.deps.clock()
        try:
            soonest, wait = await self._round(now)
            if soonest is None:
                return wait
            await self._housekeeping(now)
        except Exception:
            logger.warning("firing round failed; trying again", exc_info=True)
            return min(1.0, renew_every)
        due_in = (soonest - self.deps.clock()).total_seconds()
        return max(0.0, min(due_in, renew_every, self.deps.max_idle))

    async def _round(self, now: datetime) -> tuple[datetime | None, float]:
        """(the next due instant, or None without the lease; then seconds to wait for it)."""
        async with self.deps.sessions() as session, session.begin():
            held = await acquire_or_renew(
                session, LEASE_NAME, self.deps.owner, self.deps.lease_seconds
            )
            self._leading(held)
            if not held:
                return None, await self._lease_left(session)
            current = await rounds.lock_schedules(session, self.deps.untracked)
            batch = plan_round(current, now, self.deps.untracked)
            for failure in batch.failures:
                logger.warning("schedule %s cannot fire: %s", failure.schedule, failure.error)
            await rounds.write(session, batch, now)
        return batch.soonest, 0.0

    async def _lease_left(self, session: AsyncSession) -> float:
        """Seconds until the holder's lease ends, by the database's clock."""
        found = await lease_holder(session, LEASE_NAME)
        if found is None:  # expired or released since: try again at once
            return EXPIRY_SLACK
        db_now: datetime = (await session.execute(select(func.clock_timestamp()))).scalar_one()
        left = (found.lease_until - db_now).total_seconds() + EXPIRY_SLACK
        return max(EXPIRY_SLACK, min(left, self.deps.lease_seconds + EXPIRY_SLACK))

    def _leading(self, held: bool) -> None:
        if held != self.leader:
            logger.info("%s the firing lease", "took" if held else "do not hold")
        self.leader = held

    async def _housekeeping(self, now: datetime) -> None:
        async with self.deps.sessions() as session, session.begin():
            timeout, untracked = self.deps.outcome_timeout, self.deps.untracked
            lost = await history.mark_lost(session, now - timeout, now, untracked)
            if lost:
                logger.warning("%d fire(s) had no outcome in time: recorded lost", lost)
                self.wake()  # a skipped or buffered schedule may fire again
            if self._purged_at is None or now - self._purged_at >= PURGE_EVERY:
                await history.purge(session, self.deps.history_retention)
                self._purged_at = now

    async def _release(self) -> None:
        try:
            async with self.deps.sessions() as session, session.begin():
                await release_lease(session, LEASE_NAME, self.deps.owner)
        except Exception:
            logger.warning("could not release the firing lease; it expires", exc_info=True)
        self.leader = False
