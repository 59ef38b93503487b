"""`overlap: buffer_one`: while a fire is open one further fire is buffered and later ones are
skipped; the buffered one is published when the outcome arrives, also across restarts."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from nats.aio.client import Client

from gridstream.contracts import CollectionCompleted, ScheduleFired, TimeWindow
from gridstream.scheduler.app import Scheduler
from gridstream.scheduler.commands import fire_id
from gridstream.testing import MessageLog

from .support import T0, Clock, admin, every, publish_event, wait_statuses

Run = Callable[..., AbstractAsyncContextManager[Scheduler]]
BODY = every("buffered", 60, overlap="buffer_one", coalesce=False, misfire_grace_seconds=600)
FIRST, SECOND = T0.replace(minute=1), T0.replace(minute=2)


def completed(fire_time: datetime) -> CollectionCompleted:
    """The collector's final event for the fire at ``fire_time`` (window: the last hour)."""
    window = TimeWindow(start=T0.replace(hour=9), end=T0)
    return CollectionCompleted(
        area="NL",
        data_type="actual_load",
        window=window,
        requests=1,
        points_written=4,
        points_changed=0,
        no_data=False,
        api_seconds=0.1,
        processing_seconds=0.1,
        correlation_id=fire_id("buffered", fire_time),
    )


async def _tick(scheduler: Scheduler, clock: Clock, seconds: int) -> None:
    clock.advance(seconds)
    scheduler.firing.wake()


async def _first_fire(
    scheduler: Scheduler, clock: Clock, events: MessageLog, body: dict[str, Any]
) -> None:
    """Create the schedule and wait for its first fire (10:01), which gets no outcome yet."""
    async with admin(scheduler.runner.url) as http:
        assert (await http.post("/v1/schedules", json=body)).status_code == 201
    await _tick(scheduler, clock, 60)
    await events.wait_for(ScheduleFired, schedule=body["name"], fire_time=FIRST)


async def test_buffer_one_buffers_one_skips_the_rest_and_publishes_it_after_the_outcome(
    run_scheduler: Run, clock: Clock, events: MessageLog, nats_client: Client, database_url: str
) -> None:
    async with run_scheduler() as scheduler:
        await _first_fire(scheduler, clock, events, BODY)
        await _tick(scheduler, clock, 60)
        await wait_statuses(database_url, "buffered", ["published", "buffered"])
        await _tick(scheduler, clock, 60)
        await wait_statuses(database_url, "buffered", ["published", "buffered", "skipped"])

        await publish_event(nats_client, completed(FIRST))
        [late] = await events.wait_for(ScheduleFired, schedule="buffered", fire_time=SECOND)

    assert late.occurred_at == clock.now  # published when the outcome arrived
    await wait_statuses(database_url, "buffered", ["succeeded", "published", "skipped"])
    assert len(events.of(ScheduleFired, schedule="buffered")) == 2


async def test_buffer_one_holds_across_restarts(
    run_scheduler: Run, clock: Clock, events: MessageLog, nats_client: Client, database_url: str
) -> None:
    async with run_scheduler() as scheduler:
        await _first_fire(scheduler, clock, events, BODY)
    clock.advance(60)  # 10:02 is due while no scheduler runs

    async with run_scheduler() as scheduler:
        # The open 10:01 fire is in the database: 10:02 is buffered, not fired.
        await wait_statuses(database_url, "buffered", ["published", "buffered"])
        await _tick(scheduler, clock, 60)
        await wait_statuses(database_url, "buffered", ["published", "buffered", "skipped"])
    await publish_event(nats_client, completed(FIRST))  # arrives while no scheduler runs

    async with run_scheduler():
        await events.wait_for(ScheduleFired, schedule="buffered", fire_time=SECOND)
    await wait_statuses(database_url, "buffered", ["succeeded", "published", "skipped"])
    assert len(events.of(ScheduleFired, schedule="buffered")) == 2


async def test_skip_holds_back_fires_until_the_open_one_is_lost(
    run_scheduler: Run, clock: Clock, events: MessageLog, database_url: str
) -> None:
    body = every("hangs", 60, overlap="skip")  # no collector answers: the collection hangs
    async with run_scheduler(outcome_timeout=120) as scheduler:
        await _first_fire(scheduler, clock, events, body)
        await _tick(scheduler, clock, 60)
        await wait_statuses(database_url, "hangs", ["published", "skipped"])
        await _tick(scheduler, clock, 120)  # 10:04: 10:01 is past the outcome timeout now
        await wait_statuses(database_url, "hangs", ["lost", "skipped", "missed", "skipped"])
        await _tick(scheduler, clock, 60)
        await events.wait_for(ScheduleFired, schedule="hangs", fire_time=clock.now)

    assert len(events.of(ScheduleFired, schedule="hangs")) == 2
