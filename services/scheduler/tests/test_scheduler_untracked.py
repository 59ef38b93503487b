"""Fires of command types whose outcome event has no publisher yet (gap scans and reports until
quality and the monitor publish GapScanCompleted and ReportPublished) stay `published`: they
count as finished for the overlap policy and are never marked lost; an outcome that does arrive
is still recorded."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from nats.aio.client import Client

from gridstream.contracts import GapScanCompleted, ScheduleFired
from gridstream.scheduler.app import Scheduler
from gridstream.scheduler.commands import fire_id
from gridstream.testing import MessageLog

from .support import T0, Clock, admin, fires, publish_event, wait_statuses

Run = Callable[..., AbstractAsyncContextManager[Scheduler]]
GAP_SCAN = {"name": "scan", "every": 60, "command_type": "GapScanRequested", "command": {}}


async def _fire(scheduler: Scheduler, clock: Clock, events: MessageLog, seconds: int) -> None:
    clock.advance(seconds)
    scheduler.firing.wake()
    await events.wait_for(ScheduleFired, schedule="scan", fire_time=clock.now)


async def test_untracked_fires_stay_published_do_not_block_skip_and_are_never_lost(
    run_scheduler: Run, clock: Clock, events: MessageLog, nats_client: Client, database_url: str
) -> None:
    async with run_scheduler(outcome_timeout=120) as scheduler:
        async with admin(scheduler.runner.url) as http:
            created = await http.post("/v1/schedules", json=GAP_SCAN | {"overlap": "skip"})
            assert created.status_code == 201, created.text
        await _fire(scheduler, clock, events, 60)  # 10:01, no outcome ever comes
        await _fire(scheduler, clock, events, 60)  # 10:02: not skipped behind 10:01
        await _fire(scheduler, clock, events, 240)  # 10:06: 10:01 is past the outcome timeout
        # The round that fired 10:07 began after the 10:06 round's housekeeping.
        await _fire(scheduler, clock, events, 60)
        history = await fires(database_url, "scan")
        assert [(t.minute, s) for t, s in history] == [
            (1, "published"),
            (2, "published"),
            (3, "missed"),  # coalesced into 10:06
            (4, "missed"),
            (5, "missed"),
            (6, "published"),
            (7, "published"),
        ]

        first = T0.replace(minute=1)
        done = GapScanCompleted(
            series_scanned=3, gaps_found=1, correlation_id=fire_id("scan", first)
        )
        await publish_event(nats_client, done)
        after = ["succeeded", "published", "missed", "missed", "missed", "published", "published"]
        await wait_statuses(database_url, "scan", after)


async def test_tracked_command_types_still_turn_lost(
    run_scheduler: Run, clock: Clock, events: MessageLog, database_url: str
) -> None:
    async with run_scheduler(outcome_timeout=120, untracked_command_types=[]) as scheduler:
        async with admin(scheduler.runner.url) as http:
            body = GAP_SCAN | {"overlap": "allow"}
            assert (await http.post("/v1/schedules", json=body)).status_code == 201
        await _fire(scheduler, clock, events, 60)
        await _fire(scheduler, clock, events, 180)  # 10:04: 10:01 had no outcome in 120 s
        await _fire(scheduler, clock, events, 60)
        history = dict(await fires(database_url, "scan"))
        assert history[T0.replace(minute=1)] == "lost"
