"""Take-over within the lease: a replica without the lease waits for the holder's `lease_until`
(database clock), so when the holder stops renewing the other one fires as soon as it expires."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from gridstream.contracts import ScheduleFired
from gridstream.runtime import lease_holder
from gridstream.scheduler import firing
from gridstream.scheduler.app import build_scheduler
from gridstream.scheduler.settings import SchedulerSettings
from gridstream.testing import MessageLog, wait_until

from .support import Clock, admin, every, rows

LEASE = 9.0
"""Long enough that a retry every third of it (3 s) would land well past the margin."""
MARGIN = 1.5


async def test_a_replica_without_the_lease_waits_for_the_holders_lease_to_end(
    scheduler_settings: Callable[..., SchedulerSettings], clock: Clock
) -> None:
    settings = scheduler_settings(lease_seconds=LEASE)
    holder = build_scheduler(settings, clock=clock, owner="replica-a")
    other = build_scheduler(settings, clock=clock, owner="replica-b")
    async with holder.runner:
        await wait_until(lambda: holder.firing.leader, timeout=30, description="a leads")
        delay = await other.firing.step()  # one round of the other replica, not started
        async with other.firing.deps.sessions() as s:
            found = await lease_holder(s, firing.LEASE_NAME)
    assert not other.firing.leader
    assert found is not None
    assert found.owner == "replica-a"
    # The holder renews every max_idle (0.5 s): nearly the whole lease is left, and the other
    # replica sleeps until it ends rather than a third of the lease (generous for a busy host).
    assert LEASE / 3 + 1.0 < delay <= LEASE + 0.1


async def test_when_the_holder_stops_renewing_the_other_fires_within_the_lease(
    scheduler_settings: Callable[..., SchedulerSettings],
    clock: Clock,
    events: MessageLog,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = scheduler_settings(lease_seconds=LEASE)
    holder = build_scheduler(settings, clock=clock, owner="replica-a")
    survivor = build_scheduler(settings, clock=clock, owner="replica-b")
    async with AsyncExitStack() as outer:
        async with AsyncExitStack() as inner:
            await inner.enter_async_context(holder.runner)
            await wait_until(lambda: holder.firing.leader, timeout=30, description="a leads")
            await outer.enter_async_context(survivor.runner)
            async with admin(survivor.runner.url) as http:
                body = every("handed", 60, overlap="allow")
                assert (await http.post("/v1/schedules", json=body)).status_code == 201

            async def nothing(*_: object) -> None:
                """A replica that dies gives nothing up: its lease has to expire."""

            monkeypatch.setattr(firing, "release_lease", nothing)
        [lease] = await rows(
            database_url, "SELECT owner, lease_until FROM leases WHERE name = :n", n="scheduler"
        )
        assert lease["owner"] == "replica-a"  # stopped without giving the lease up
        last_renewal = lease["lease_until"] - timedelta(seconds=LEASE)
        fire_time = clock.advance(60)  # due now, but only a lease holder fires it
        survivor.firing.wake()
        await events.wait_for(ScheduleFired, schedule="handed", fire_time=fire_time, within=60)

    [fired] = await rows(
        database_url,
        "SELECT created_at FROM fires WHERE schedule = 'handed' AND fire_time = :t",
        t=fire_time,
    )
    # Database times: the fire's transaction began within the lease (plus a margin) of the
    # holder's last renewal.
    assert fired["created_at"] - last_renewal < timedelta(seconds=LEASE + MARGIN)


async def test_a_survivor_whose_clock_is_behind_neither_refires_nor_loses_a_fire(
    scheduler_settings: Callable[..., SchedulerSettings],
    clock: Clock,
    events: MessageLog,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The lease is timed by the database; what is due comes from each replica's own clock, and
    # a fire's identity is the schedule instant, so a replica 40 s behind takes over cleanly.
    settings = scheduler_settings(lease_seconds=3.0)
    behind = Clock(clock.now - timedelta(seconds=40))
    holder = build_scheduler(settings, clock=clock, owner="replica-a")
    survivor = build_scheduler(settings, clock=behind, owner="replica-b")
    async with AsyncExitStack() as outer:
        async with AsyncExitStack() as inner:
            await inner.enter_async_context(holder.runner)
            await wait_until(lambda: holder.firing.leader, timeout=30, description="a leads")
            await outer.enter_async_context(survivor.runner)
            async with admin(holder.runner.url) as http:
                body = every("skewed", 60, overlap="allow", coalesce=False)
                assert (await http.post("/v1/schedules", json=body)).status_code == 201
            first = clock.advance(60)
            behind.advance(60)
            holder.firing.wake()
            await events.wait_for(ScheduleFired, schedule="skewed", fire_time=first)

            async def nothing(*_: object) -> None:
                """A replica that dies gives nothing up: its lease has to expire."""

            monkeypatch.setattr(firing, "release_lease", nothing)
        await wait_until(lambda: survivor.firing.leader, timeout=30, description="b leads")
        # 40 s behind, the survivor reaches 10:02 later than the holder would have; the 10:01
        # the holder fired is not due again on its clock.
        second = first + timedelta(seconds=60)
        behind.advance(120)
        survivor.firing.wake()
        await events.wait_for(ScheduleFired, schedule="skewed", fire_time=second, within=30)
    fired = [e.fire_time for e in events.of(ScheduleFired, schedule="skewed")]
    assert fired == [first, second]
    stored = await rows(
        database_url, "SELECT fire_time FROM fires WHERE schedule = 'skewed' ORDER BY fire_time"
    )
    assert [r["fire_time"] for r in stored] == [first, second]
