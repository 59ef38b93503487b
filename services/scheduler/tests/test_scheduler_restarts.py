"""Stopped for three periods, then started again: coalesce fires once late; without it the fires
within the misfire grace fire late and the older ones are recorded missed.

The schedules allow overlap: no collector answers here, so no fire ever gets an outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from gridstream.contracts import ScheduleFired
from gridstream.scheduler.app import Scheduler
from gridstream.testing import MessageLog

from .support import T0, Clock, admin, every, fires

Run = Callable[..., AbstractAsyncContextManager[Scheduler]]
PERIOD = 60


async def _fire_once_then_stop(
    run_scheduler: Run, clock: Clock, events: MessageLog, body: dict[str, Any]
) -> None:
    """Create the schedule, let it fire at T0 + 1 period, stop the scheduler."""
    async with run_scheduler() as scheduler, admin(scheduler.runner.url) as http:
        assert (await http.post("/v1/schedules", json=body)).status_code == 201
        clock.advance(PERIOD)
        scheduler.firing.wake()
        await events.wait_for(ScheduleFired, schedule=body["name"], fire_time=clock.now)


async def test_with_coalesce_three_missed_periods_become_one_late_fire(
    run_scheduler: Run, clock: Clock, events: MessageLog, database_url: str
) -> None:
    body = every("coalesced", PERIOD, coalesce=True, misfire_grace_seconds=300, overlap="allow")
    await _fire_once_then_stop(run_scheduler, clock, events, body)
    clock.advance(3 * PERIOD + 20)  # down for three periods (and a bit)

    async with run_scheduler():
        [late] = await events.wait_for(
            ScheduleFired, schedule="coalesced", fire_time=T0.replace(minute=4)
        )

    assert late.occurred_at > late.fire_time  # it fired late, on start
    history = await fires(database_url, "coalesced")
    assert [s for _, s in history] == ["published", "missed", "missed", "published"]
    assert len(events.of(ScheduleFired, schedule="coalesced")) == 2


async def test_without_coalesce_fires_within_grace_and_records_older_missed(
    run_scheduler: Run, clock: Clock, events: MessageLog, database_url: str
) -> None:
    body = every("each", PERIOD, coalesce=False, misfire_grace_seconds=90, overlap="allow")
    await _fire_once_then_stop(run_scheduler, clock, events, body)
    clock.advance(3 * PERIOD + 20)  # now 10:04:20; fires due 10:02, 10:03, 10:04

    async with run_scheduler():
        await events.wait_for(ScheduleFired, 3, schedule="each")

    history = await fires(database_url, "each")
    assert [(t.minute, s) for t, s in history] == [
        (1, "published"),
        (2, "missed"),  # 140 s late: older than the 90 s grace
        (3, "published"),  # 80 s late: fired late
        (4, "published"),
    ]
    fired = sorted(e.fire_time.minute for e in events.of(ScheduleFired, schedule="each"))
    assert fired == [1, 3, 4]
