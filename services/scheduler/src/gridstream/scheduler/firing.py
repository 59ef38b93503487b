"""The firing loop: only the lease holder fires; each fire is written with its command in one
transaction that re-checks the lease, so a replica that lost the lease can never publish.

The loop wakes at the next due instant (or when woken: an API change, an outcome), renews the
lease at least every third of its length, records fires missed or skipped, publishes buffered
fires once their predecessor finished, marks fires with no outcome lost, and purges history.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.runtime import acquire_or_renew, holds_lease, release_lease
from gridstream.runtime.background import BackgroundTask, wait_for_event
from gridstream.scheduler import history, store
from gridstream.scheduler.catchup import overlap, plan
from gridstream.scheduler.publishing import publish_fire
from gridstream.scheduler.triggers import jitter

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
PURGE_EVERY = timedelta(hours=1)


class LeaseLostError(Exception):
    """Another replica holds the firing lease now; nothing was fired."""


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
        """One round: renew the lease, fire what is due; seconds until the next round."""
        renew_every = self.deps.lease_seconds / 3
        try:
            self.leader = await self._renew()
            if not self.leader:
                return renew_every
            due_in = await self.tick()
        except LeaseLostError:
            self.leader = False
            return renew_every
        except Exception:
            logger.warning("firing round failed; trying again", exc_info=True)
            return min(1.0, renew_every)
        return max(0.0, min(due_in, renew_every, self.deps.max_idle))

    async def tick(self) -> float:
        """Fire every due schedule and do the housekeeping; seconds until the next due fire."""
        now = self.deps.clock()
        async with self.deps.sessions() as session:
            schedules = await store.all_schedules(session)
            ready = await history.ready_buffered(session, self.deps.untracked)
        soonest = now + timedelta(days=1)
        for schedule in schedules:
            if not schedule.active or schedule.next_fire is None:
                continue
            due = _due_at(schedule.name, schedule.next_fire, schedule.spec.jitter_seconds)
            if due <= now:
                next_fire = await self.fire_schedule(schedule.name, now)
                due = _due_at(schedule.name, next_fire, schedule.spec.jitter_seconds)
            soonest = min(soonest, due)
        for name, fire_time in ready:
            await self._publish_buffered(name, fire_time, now)
        await self._housekeeping(now)
        return (soonest - self.deps.clock()).total_seconds()

    async def fire_schedule(self, name: str, now: datetime) -> datetime:
        """Plan and record one schedule's due fires in one transaction; its next fire time."""
        async with self.deps.sessions() as session, session.begin():
            await self._check_lease(session)
            schedule = await store.get(session, name, lock=True)
            if schedule is None or not schedule.active or schedule.next_fire is None:
                return now + timedelta(days=1)
            spec = schedule.spec
            due = plan(spec, schedule.last_fire, schedule.next_fire, now)
            for fire_time in due.missed:
                await history.record_fire(session, name, fire_time, "missed", now=now)
            is_open, buffered = await history.open_state(session, name, self.deps.untracked)
            for fire_time in due.fire:
                decision = overlap(spec.overlap, is_open, buffered is not None)
                if decision == "fire":
                    await publish_fire(session, spec, fire_time, now)
                    is_open = True
                elif decision == "buffer":
                    await history.record_fire(session, name, fire_time, "buffered", now=now)
                    buffered = fire_time
                else:
                    await history.record_fire(session, name, fire_time, "skipped", now=now)
            recorded = [*due.fire, *due.missed]
            await store.advance(session, name, due.next_fire, max(recorded, default=None))
            return due.next_fire

    async def _publish_buffered(self, name: str, fire_time: datetime, now: datetime) -> None:
        async with self.deps.sessions() as session, session.begin():
            await self._check_lease(session)
            schedule = await store.get(session, name, lock=True)
            if schedule is None:
                return
            await publish_fire(session, schedule.spec, fire_time, now, buffered=True)

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

    async def _check_lease(self, session: AsyncSession) -> None:
        if not await holds_lease(session, LEASE_NAME, self.deps.owner):
            raise LeaseLostError(LEASE_NAME)

    async def _renew(self) -> bool:
        async with self.deps.sessions() as session, session.begin():
            held = await acquire_or_renew(
                session, LEASE_NAME, self.deps.owner, self.deps.lease_seconds
            )
        if held != self.leader:
            logger.info("%s the firing lease", "took" if held else "do not hold")
        return held

    async def _release(self) -> None:
        try:
            async with self.deps.sessions() as session, session.begin():
                await release_lease(session, LEASE_NAME, self.deps.owner)
        except Exception:
            logger.warning("could not release the firing lease; it expires", exc_info=True)
        self.leader = False


def _due_at(name: str, fire_time: datetime, jitter_seconds: float) -> datetime:
    """When a fire is published: its fire time plus the schedule's deterministic jitter."""
    return fire_time + jitter(name, fire_time, jitter_seconds) if jitter_seconds else fire_time
