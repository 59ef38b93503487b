"""Commands built from templates: fire ids, relative windows resolved at fire time, ScheduleFired."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid5

import pytest

from gridstream.contracts import CollectionRequested, GapScanRequested, ReportRequested, TimeWindow
from gridstream.scheduler.commands import (
    FIRE_NAMESPACE,
    TemplateError,
    build_command,
    fire_id,
    fired_event,
    resolve_relative,
)
from gridstream.scheduler.spec import ScheduleSpec


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def window(relative: dict[str, Any], fire_time: datetime) -> TimeWindow:
    return TimeWindow.model_validate(resolve_relative({"relative": relative}, fire_time))


def spec(command_type: str, command: dict[str, Any]) -> ScheduleSpec:
    return ScheduleSpec(name="daily-report", every=3600, command_type=command_type, command=command)


def test_fire_id_is_uuid5_of_schedule_and_iso_utc_fire_time() -> None:
    fire = utc(2025, 3, 30, 1)
    assert fire_id("gapscan", fire) == uuid5(FIRE_NAMESPACE, "gapscan@2025-03-30T01:00:00Z")
    assert fire_id("gapscan", fire) != fire_id("gapscan", utc(2025, 3, 30, 2))


def test_command_carries_the_fire_id_as_event_and_correlation_id() -> None:
    collect = spec("CollectionRequested", {"area": "FR", "data_type": "actual_load"})
    command = build_command(collect, utc(2025, 1, 1, 12))
    assert isinstance(command, CollectionRequested)
    assert (
        command.event_id == command.correlation_id == fire_id("daily-report", utc(2025, 1, 1, 12))
    )
    assert (command.source, command.reason, command.window) == ("scheduler", "scheduled", None)
    assert command.occurred_at == utc(2025, 1, 1, 12)
    again = build_command(collect, utc(2025, 1, 1, 12), at=utc(2025, 1, 1, 12, 0, 3))
    assert again.event_id == command.event_id
    assert again.occurred_at == utc(2025, 1, 1, 12, 0, 3)


def test_previous_local_day_is_resolved_at_fire_time() -> None:
    report = spec(
        "ReportRequested",
        {"period": "daily", "window": {"relative": {"unit": "day", "timezone": "Europe/Brussels"}}},
    )
    command = build_command(report, utc(2025, 6, 2, 4))  # 06:00 Brussels, 2 June
    assert isinstance(command, ReportRequested)
    assert command.window == TimeWindow(start=utc(2025, 5, 31, 22), end=utc(2025, 6, 1, 22))
    # The local day after spring forward is 23 hours long; the one after fall back 25.
    short = window({"unit": "day", "timezone": "Europe/Brussels"}, utc(2025, 3, 31, 4))
    assert short.end - short.start == utc(2025, 1, 1, 23) - utc(2025, 1, 1)
    long = window({"unit": "day", "timezone": "Europe/Brussels"}, utc(2025, 10, 27, 5))
    assert (long.start, long.end) == (utc(2025, 10, 25, 22), utc(2025, 10, 26, 23))


@pytest.mark.parametrize(
    ("relative", "fire", "start", "end"),
    [
        ({"last": "P3D"}, utc(2025, 1, 10, 2), utc(2025, 1, 7, 2), utc(2025, 1, 10, 2)),
        ({"last": "PT6H"}, utc(2025, 1, 10, 2), utc(2025, 1, 9, 20), utc(2025, 1, 10, 2)),
        (
            {"unit": "hour", "offset": -2, "count": 2},
            utc(2025, 1, 1, 5, 40),
            utc(2025, 1, 1, 3),
            utc(2025, 1, 1, 5),
        ),
        ({"unit": "week"}, utc(2025, 1, 8, 12), utc(2024, 12, 30), utc(2025, 1, 6)),
        ({"unit": "month"}, utc(2025, 3, 1, 6), utc(2025, 2, 1), utc(2025, 3, 1)),
        (
            {"unit": "day", "offset": 0, "count": 2},
            utc(2025, 1, 1, 6),
            utc(2025, 1, 1),
            utc(2025, 1, 3),
        ),
    ],
)
def test_relative_windows(
    relative: dict[str, Any], fire: datetime, start: datetime, end: datetime
) -> None:
    assert window(relative, fire) == TimeWindow(start=start, end=end)


def test_relative_windows_anywhere_in_the_template_and_errors_locate_them() -> None:
    resolved = resolve_relative({"a": [{"w": {"relative": {"last": "P1D"}}}]}, utc(2025, 1, 2))
    assert resolved == {
        "a": [{"w": {"start": "2025-01-01T00:00:00Z", "end": "2025-01-02T00:00:00Z"}}]
    }
    with pytest.raises(TemplateError) as caught:
        resolve_relative({"window": {"relative": {"last": "-P1D"}}}, utc(2025, 1, 2))
    assert caught.value.problems[0][0] == ("window", "relative", "last")
    with pytest.raises(TemplateError, match=r"window\.relative\.count"):
        resolve_relative({"window": {"relative": {"unit": "day", "count": 0}}}, utc(2025, 1, 2))


def test_fired_event_records_the_command() -> None:
    gapscan = ScheduleSpec(name="gapscan", every=14400, command_type="GapScanRequested")
    fire = utc(2025, 1, 1, 4)
    command = build_command(gapscan, fire)
    assert isinstance(command, GapScanRequested)
    assert command.series is None
    fired = fired_event(gapscan, fire, command)
    assert fired.command_id == fired.correlation_id == command.event_id
    assert fired.event_id == uuid5(FIRE_NAMESPACE, "fired:gapscan@2025-01-01T04:00:00Z")
    assert (fired.schedule, fired.fire_time, fired.source) == ("gapscan", fire, "scheduler")
    assert fired.command_subject == "gridstream.cmd.gapscan"
    assert fired.subject() == "gridstream.evt.schedule.fired.gapscan"
