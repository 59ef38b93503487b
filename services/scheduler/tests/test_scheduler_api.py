"""The admin API against a running scheduler: create, pause, resume, trigger, fires, 400s."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from gridstream.contracts import CollectionRequested, ScheduleFired
from gridstream.scheduler.app import Scheduler
from gridstream.scheduler.commands import fire_id
from gridstream.testing import MessageLog

from .support import Clock, admin, every, fires

Run = Callable[..., AbstractAsyncContextManager[Scheduler]]

BAD_INPUT: dict[str, tuple[dict[str, Any], str]] = {
    "invalid cron": (
        {"cron": "61 * * * *", "every": None, "timezone": "Europe/Berlin"},
        "cron: invalid cron",
    ),
    "unknown zone": (
        {"cron": "0 * * * *", "every": None, "timezone": "Mars/Olympus"},
        "timezone: unknown time zone",
    ),
    "unknown area": ({"command": {"area": "XX", "data_type": "actual_load"}}, "command"),
    "unknown data type": ({"command": {"area": "NL", "data_type": "moonlight"}}, "command"),
    "interval out of bounds": ({"every": 0}, "every"),
    "command fails its contract": (
        {"command": {"area": "NL", "data_type": "actual_load", "window": "yesterday"}},
        "command",
    ),
    "unknown command type": ({"command_type": "LaunchRequested"}, "command_type"),
    "both cron and every": ({"cron": "0 * * * *"}, "either cron"),
}


def _body(**changes: Any) -> dict[str, Any]:
    body = every("api-load", 60) | changes
    return {key: value for key, value in body.items() if value is not None}


@pytest.mark.parametrize("kind", list(BAD_INPUT))
async def test_bad_input_gets_a_400_naming_it_and_changes_nothing(
    run_scheduler: Run, kind: str
) -> None:
    changes, expected = BAD_INPUT[kind]
    async with run_scheduler() as scheduler, admin(scheduler.runner.url) as http:
        created = await http.post("/v1/schedules", json=_body(name="kept"))
        assert created.status_code == 201, created.text

        response = await http.post("/v1/schedules", json=_body(**changes))
        replaced = await http.put("/v1/schedules/kept", json=_body(name="kept", **changes))

        for bad in (response, replaced):
            assert bad.status_code == 400, bad.text
            assert expected in bad.json()["error"]
        listed = (await http.get("/v1/schedules")).json()
        assert [s["name"] for s in listed] == ["kept"]
        assert listed[0]["every"] == 60
        assert listed[0]["command"] == every("kept", 60)["command"]


async def test_writes_need_the_admin_token(run_scheduler: Run) -> None:
    async with run_scheduler() as scheduler, admin(scheduler.runner.url) as http:
        http.headers.pop("Authorization")
        assert (await http.post("/v1/schedules", json=_body())).status_code == 401
        assert (await http.get("/v1/schedules")).status_code == 200


async def test_pause_resume_and_trigger(
    run_scheduler: Run, clock: Clock, commands: MessageLog, events: MessageLog, database_url: str
) -> None:
    async with run_scheduler() as scheduler, admin(scheduler.runner.url) as http:
        # overlap allow: no collector runs here, so no fire ever gets an outcome
        assert (await http.post("/v1/schedules", json=_body(overlap="allow"))).status_code == 201
        first = clock.advance(60)  # the first fire time after creation
        scheduler.firing.wake()
        await events.wait_for(ScheduleFired, schedule="api-load", fire_time=first)

        paused = await http.post("/v1/schedules/api-load/pause")
        assert paused.json()["paused"] is True
        clock.advance(120)  # two fire times pass while paused
        triggered = await http.post("/v1/schedules/api-load/trigger")
        assert triggered.status_code == 202, triggered.text
        manual = triggered.json()
        assert manual["manual"] is True
        assert manual["status"] == "published"
        # The trigger's command is the marker: the loop had its chances meanwhile.
        [command] = await commands.wait_for(
            CollectionRequested, event_id=fire_id("api-load", clock.now)
        )
        assert command.correlation_id == command.event_id
        assert [t for t, _ in await fires(database_url, "api-load")] == [first, clock.now]

        resumed = await http.post("/v1/schedules/api-load/resume")
        assert resumed.json()["paused"] is False
        upcoming = clock.advance(60)
        scheduler.firing.wake()
        await events.wait_for(ScheduleFired, schedule="api-load", fire_time=upcoming)
        statuses = await fires(database_url, "api-load")
        assert [s for _, s in statuses] == ["published"] * 3  # nothing made up for the pause

        listed = (await http.get("/v1/schedules/api-load/fires")).json()
        assert [f["status"] for f in listed] == ["published"] * 3
        leader = (await http.get("/v1/leader")).json()
        assert leader["leader"] == scheduler.owner == leader["self"]
        assert (await http.post("/v1/schedules/nope/pause")).status_code == 404
        assert (await http.delete("/v1/schedules/api-load")).status_code == 204
        assert (await http.get("/v1/schedules")).json() == []
