"""ScheduleSpec validation: every kind of bad input names its field and says what is wrong."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from gridstream.scheduler.spec import ScheduleSpec
from gridstream.scheduler.triggers import CronTrigger, IntervalTrigger

COLLECT = {"area": "DE_LU", "data_type": "actual_load"}


def spec(**fields: Any) -> ScheduleSpec:
    base: dict[str, Any] = {"name": "collect-de_lu", "every": 60}
    base |= {"command_type": "CollectionRequested", "command": COLLECT}
    return ScheduleSpec.model_validate(base | fields)


def test_defaults_and_triggers() -> None:
    every = spec()
    assert (every.enabled, every.misfire_grace_seconds, every.coalesce) == (True, 300, True)
    assert (every.overlap, every.jitter_seconds) == ("skip", 0)
    assert every.trigger() == IntervalTrigger(60)
    cron = spec(every=None, cron="30 2 * * *", timezone="Europe/Berlin")
    assert cron.trigger() == CronTrigger("30 2 * * *", "Europe/Berlin")
    assert cron.next_fire(datetime(2025, 3, 30, tzinfo=UTC)) == datetime(2025, 3, 30, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "where", "problem"),
    [
        ({"every": None, "cron": "61 * * * *"}, "cron", "invalid cron expression"),
        ({"every": None, "cron": "0 * *"}, "cron", "invalid cron expression"),
        (
            {"every": None, "cron": "0 * * * *", "timezone": "Europe/Nowhere"},
            "timezone",
            "unknown time zone",
        ),
        (
            {"cron": "0 * * * *"},
            "",
            "give either cron (with timezone) or every (seconds), not both",
        ),
        ({"every": None}, "", "not neither"),
        ({"every": 0}, "every", "greater than or equal to 1"),
        ({"timezone": "Europe/Berlin"}, "timezone", "cron only"),
        ({"command_type": "LaunchRocket"}, "command_type", "unknown command type"),
        (
            {"command": {"area": "ATLANTIS", "data_type": "actual_load"}},
            "command.area",
            "unknown area",
        ),
        ({"command": {"area": "FR", "data_type": "wind"}}, "command.data_type", "actual_load"),
        ({"command": {"area": "FR"}}, "command.data_type", "Field required"),
        ({"command": COLLECT | {"event_id": "x"}}, "command", "envelope fields"),
        ({"name": "a.b"}, "name", "not allowed"),
        ({"overlap": "sometimes"}, "overlap", "skip"),
        ({"jitter_seconds": -1}, "jitter_seconds", "greater than or equal to 0"),
        ({"misfire_grace_seconds": -5}, "misfire_grace_seconds", "greater than or equal to 0"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
    ],
)
def test_bad_input_names_the_field(fields: dict[str, Any], where: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        spec(**fields)
    errors = {".".join(map(str, e["loc"])): e["msg"] for e in caught.value.errors()}
    assert where in errors, errors
    assert problem in errors[where]


def test_a_command_is_checked_against_its_contract_once_resolved() -> None:
    report = {"period": "daily", "window": {"relative": {"unit": "day", "timezone": "Mars/Base"}}}
    with pytest.raises(ValidationError) as caught:
        spec(command_type="ReportRequested", command=report)
    assert caught.value.errors()[0]["loc"] == ("command", "window", "relative", "timezone")
    too_long = COLLECT | {"window": {"relative": {"last": "P90D"}}}
    with pytest.raises(ValidationError, match="longer than P1M"):
        spec(command=too_long)
    area_mismatch = {"area": "DE_AMPRION", "data_type": "day_ahead_price"}
    with pytest.raises(ValidationError, match=r"command\n.*does not publish"):
        spec(command=area_mismatch)


def test_config_json_round_trip() -> None:
    one = spec(every=None, cron="0 6 * * *", timezone="Europe/Brussels", jitter_seconds=5)
    assert ScheduleSpec.model_validate_json(one.model_dump_json()) == one
