"""Firing end to end: first start with the default schedules, jitter, relative windows, and the
retention of the fire history."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from gridstream.contracts import CollectionRequested, ReportRequested, ScheduleFired, TimeWindow
from gridstream.scheduler.app import Scheduler
from gridstream.scheduler.commands import fire_id
from gridstream.scheduler.desired import desired_defaults
from gridstream.scheduler.firing import PURGE_EVERY
from gridstream.scheduler.settings import SchedulerSettings
from gridstream.scheduler.triggers import jitter, prev_fire
from gridstream.testing import MessageLog, wait_until

from .support import T0, Clock, admin, every, rows

Run = Callable[..., AbstractAsyncContextManager[Scheduler]]
COMMON = {"areas": ["NL"], "data_types": ["actual_load", "day_ahead_price"]}


async def test_first_start_fires_every_default_collection_schedule_at_once(
    run_scheduler: Run,
    scheduler_settings: Callable[..., SchedulerSettings],
    commands: MessageLog,
) -> None:
    settings = scheduler_settings(default_schedules_enabled=True, common=COMMON)
    collecting = [s for s in desired_defaults(settings) if s.command_type == "CollectionRequested"]
    assert {s.command["data_type"] for s in collecting} == {"actual_load", "day_ahead_price"}
    latest = {s.name: prev_fire(s, T0) for s in collecting}
    expected = {fire_id(name, at) for name, at in latest.items() if at is not None}
    assert len(expected) == len(collecting)

    async with run_scheduler(default_schedules_enabled=True, common=COMMON):

        def published() -> set[Any]:
            return {c.event_id for c in commands.of(CollectionRequested)}

        await wait_until(
            lambda: expected <= published(), timeout=30, description="every default collection"
        )


async def test_jitter_delays_publication_but_not_the_fire_id(
    run_scheduler: Run, clock: Clock, events: MessageLog, commands: MessageLog
) -> None:
    fire_time = T0 + timedelta(seconds=60)
    offset = jitter("jittered", fire_time, 50)
    assert offset > timedelta(seconds=1)  # the hash gives a real delay for this name and time
    async with run_scheduler() as scheduler, admin(scheduler.runner.url) as http:
        for body in (
            every("jittered", 60, jitter_seconds=50, overlap="allow"),
            every("zz-marker", 60, overlap="allow"),  # looked at after "jittered" in a round
        ):
            assert (await http.post("/v1/schedules", json=body)).status_code == 201
        clock.advance(60)
        scheduler.firing.wake()
        await events.wait_for(ScheduleFired, schedule="zz-marker", fire_time=fire_time)
        assert events.of(ScheduleFired, schedule="jittered") == []  # not yet: its offset is due

        clock.now = fire_time + offset
        scheduler.firing.wake()
        [fired] = await events.wait_for(ScheduleFired, schedule="jittered")
        [command] = await commands.wait_for(
            CollectionRequested, event_id=fire_id("jittered", fire_time)
        )

    assert fired.fire_time == fire_time
    assert fired.occurred_at == fire_time + offset
    assert fired.command_id == command.event_id == command.correlation_id


async def test_report_schedule_publishes_the_previous_local_day(
    run_scheduler: Run, clock: Clock, commands: MessageLog
) -> None:
    body = {
        "name": "daily-report",
        "cron": "0 6 * * *",
        "timezone": "Europe/Brussels",
        "command_type": "ReportRequested",
        "command": {
            "period": "daily",
            "window": {"relative": {"unit": "day", "timezone": "Europe/Brussels"}},
        },
    }
    fire_time = datetime(2025, 6, 3, 4, tzinfo=UTC)  # 06:00 in Brussels (CEST) on 3 June
    async with run_scheduler() as scheduler, admin(scheduler.runner.url) as http:
        assert (await http.post("/v1/schedules", json=body)).status_code == 201
        clock.now = fire_time
        scheduler.firing.wake()
        [report] = await commands.wait_for(ReportRequested)

    assert report.event_id == fire_id("daily-report", fire_time)
    assert report.period == "daily"
    # 2 June, local midnight to midnight.
    start, end = datetime(2025, 6, 1, 22, tzinfo=UTC), datetime(2025, 6, 2, 22, tzinfo=UTC)
    assert report.window == TimeWindow(start=start, end=end)


PURGE_SQL = """
INSERT INTO fires (schedule, fire_time, status, recorded_at, created_at, command_type)
VALUES ('old', :t, 'succeeded', :t, now() - interval '31 days', 'CollectionRequested'),
       ('old', :t2, 'published', :t2, now() - interval '31 days', 'GapScanRequested'),
       ('kept', :t, 'succeeded', :t, now() - interval '29 days', 'CollectionRequested')
RETURNING schedule
"""


async def test_fires_older_than_the_retention_are_purged_by_the_database_clock(
    run_scheduler: Run, clock: Clock, database_url: str
) -> None:
    # The application clock is far from the database's (T0 is in 2025): age is the database's.
    async with run_scheduler(history_retention=30 * 86400) as scheduler:
        await wait_until(lambda: scheduler.firing.leader, timeout=30, description="leading")
        await rows(database_url, PURGE_SQL, t=T0, t2=T0 + timedelta(minutes=1))
        clock.advance(PURGE_EVERY.total_seconds() + 1)
        scheduler.firing.wake()

        async def purged() -> bool:
            left = await rows(database_url, "SELECT schedule FROM fires")
            return {row["schedule"] for row in left} == {"kept"}

        await wait_until(purged, timeout=30, description="fires older than 30 days purged")
