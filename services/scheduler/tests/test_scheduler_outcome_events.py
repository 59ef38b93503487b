"""Outcomes arrive as real events on NATS: a final failure, and a backfill counted to jobs_total."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from uuid import uuid4

from nats.aio.client import Client

from gridstream.contracts import (
    BackfillCompleted,
    CollectionFailed,
    ScheduleFired,
    TimeWindow,
)
from gridstream.scheduler.app import Scheduler
from gridstream.scheduler.commands import fire_id
from gridstream.testing import MessageLog

from .support import T0, Clock, admin, every, publish_event, rows, wait_statuses

Run = Callable[..., AbstractAsyncContextManager[Scheduler]]
WINDOW = TimeWindow(start=T0.replace(hour=9), end=T0)
FIRST = T0.replace(minute=1)


async def _fired(scheduler: Scheduler, clock: Clock, events: MessageLog, name: str) -> None:
    async with admin(scheduler.runner.url) as http:
        assert (await http.post("/v1/schedules", json=every(name, 60))).status_code == 201
    clock.advance(60)
    scheduler.firing.wake()
    await events.wait_for(ScheduleFired, schedule=name, fire_time=FIRST)


async def test_a_final_failure_and_a_retried_one_reach_the_history(
    run_scheduler: Run, clock: Clock, events: MessageLog, nats_client: Client, database_url: str
) -> None:
    async with run_scheduler() as scheduler:
        await _fired(scheduler, clock, events, "failing")
        failure = {"area": "NL", "data_type": "actual_load", "error_kind": "auth"}
        correlation = fire_id("failing", FIRST)
        retried = CollectionFailed(
            **failure, message="retry", attempt=1, will_retry=True, correlation_id=correlation
        )
        final = CollectionFailed(
            **failure,
            message="token refused",
            attempt=2,
            will_retry=False,
            correlation_id=correlation,
        )
        await publish_event(nats_client, retried)
        await publish_event(nats_client, final)
        await wait_statuses(database_url, "failing", ["failed"])
    [fire] = await rows(database_url, "SELECT status, error FROM fires WHERE schedule = 'failing'")
    assert fire == {"status": "failed", "error": "auth: token refused"}


async def test_a_backfill_fire_succeeds_once_every_job_completed(
    run_scheduler: Run, clock: Clock, events: MessageLog, nats_client: Client, database_url: str
) -> None:
    async with run_scheduler() as scheduler:
        await _fired(scheduler, clock, events, "backfilling")
        correlation = fire_id("backfilling", FIRST)

        def job(points: int) -> BackfillCompleted:
            return BackfillCompleted(
                area="NL",
                data_type="actual_load",
                job_id=uuid4(),
                window=WINDOW,
                chunks=1,
                points_written=points,
                points_changed=0,
                jobs_total=2,
                correlation_id=correlation,
            )

        await publish_event(nats_client, job(10))
        await wait_statuses(database_url, "backfilling", ["published"])
        await publish_event(nats_client, job(5))
        await wait_statuses(database_url, "backfilling", ["succeeded"])
    [fire] = await rows(
        database_url, "SELECT status, points FROM fires WHERE schedule = 'backfilling'"
    )
    assert fire == {"status": "succeeded", "points": 15}
