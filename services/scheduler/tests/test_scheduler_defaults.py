"""Default schedules: publication-aware per catalogue entry, from `common`, with bounds."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from gridstream.contracts import ReportRequested, TimeWindow
from gridstream.runtime import CommonConfig
from gridstream.scheduler.commands import build_command
from gridstream.scheduler.defaults import DefaultSchedules, default_schedules
from gridstream.scheduler.spec import ScheduleSpec
from gridstream.scheduler.triggers import fires_between


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def by_name(common: CommonConfig | None = None, **tunables: Any) -> dict[str, ScheduleSpec]:
    specs = default_schedules(common or CommonConfig(), DefaultSchedules(**tunables))
    named = {s.name: s for s in specs}
    assert len(named) == len(specs), "names are unique"
    return named


def test_realized_data_every_30_minutes_for_every_configured_area() -> None:
    named = by_name()
    for area in ("de_lu", "fr", "nl"):
        for data_type in ("actual_load", "generation_actual"):
            spec = named[f"collect-{area}-{data_type}"]
            assert (spec.every, spec.command_type) == (1800, "CollectionRequested")
            assert spec.command == {"area": area.upper(), "data_type": data_type}
    assert by_name(realized_every_minutes=5)["collect-fr-actual_load"].every == 300


def test_day_ahead_prices_polled_after_the_auction_then_hourly() -> None:
    named = by_name()
    prices = [s for n, s in named.items() if n.startswith("collect-de_lu-day_ahead_price")]
    # One local day in Brussels (UTC+1 in January), as local wall-clock times.
    brussels = ZoneInfo("Europe/Brussels")
    fires = [
        f
        for s in prices
        for f in fires_between(s, utc(2025, 1, 14, 22, 59), utc(2025, 1, 15, 22, 59))
    ]
    local = sorted(f.astimezone(brussels).strftime("%H:%M") for f in fires)
    hourly = [f"{h:02d}:00" for h in range(24)]
    assert local == sorted([*hourly, "12:45", "13:15", "13:30", "13:45"])
    assert all(s.timezone == "Europe/Brussels" for s in prices)


def test_day_ahead_forecasts_before_and_after_their_deadline() -> None:
    named = by_name()
    load = (
        named["collect-fr-load_forecast_day_ahead-before"],
        named["collect-fr-load_forecast_day_ahead-after"],
    )
    assert [s.cron for s in load] == ["0 9 * * *", "15 10 * * *"]  # deadline D-1 10:00
    wind = (
        named["collect-nl-wind_solar_forecast_day_ahead-before"],
        named["collect-nl-wind_solar_forecast_day_ahead-after"],
    )
    assert [s.cron for s in wind] == ["0 17 * * *", "15 18 * * *"]  # deadline D-1 18:00


def test_long_range_forecasts_every_6_hours_and_flows_from_common_series() -> None:
    common = CommonConfig(
        areas=["DE_LU", "FR"],
        data_types=["actual_load", "load_forecast_week_ahead", "crossborder_flow"],
        series=[{"area": "DE_LU", "data_type": "crossborder_flow", "to_area": "FR"}],
    )
    named = by_name(common)
    assert named["collect-fr-load_forecast_week_ahead"].every == 6 * 3600
    flow = named["collect-de_lu-crossborder_flow-fr"]
    assert flow.command == {"area": "DE_LU", "data_type": "crossborder_flow", "to_area": "FR"}
    assert flow.every == 1800
    assert not any("day_ahead_price" in n for n in named)


def test_gap_scan_backfill_check_and_daily_report() -> None:
    named = by_name()
    assert (named["gapscan"].every, named["gapscan"].command) == (4 * 3600, {})
    check = named["backfill-check"]
    assert (check.cron, check.command_type, check.command) == ("0 2 * * *", "GapScanRequested", {})
    report = named["report-daily"]
    assert report.cron == "0 6 * * *"
    assert report.timezone == "Europe/Brussels"
    command = build_command(report, utc(2025, 6, 2, 4))
    assert isinstance(command, ReportRequested)
    assert command.window == TimeWindow(start=utc(2025, 5, 31, 22), end=utc(2025, 6, 1, 22))
    tuned = by_name(gapscan_every_hours=24, backfill_check_hour=3, backfill_check_minute=30)
    assert tuned["gapscan"].every == 86400
    assert tuned["backfill-check"].cron == "30 3 * * *"


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("realized_every_minutes", 4, "greater than or equal to 5"),
        ("realized_every_minutes", 121, "less than or equal to 120"),
        ("gapscan_every_hours", 0, "greater than or equal to 1"),
        ("gapscan_every_hours", 25, "less than or equal to 24"),
        ("backfill_check_hour", 24, "less than or equal to 23"),
        ("timezone", "Europe/Atlantis", "unknown time zone"),
    ],
)
def test_out_of_bounds_tunables_name_the_setting(field: str, value: Any, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DefaultSchedules(**{field: value})
    (error,) = caught.value.errors()
    assert error["loc"] == (field,)
    assert problem in error["msg"]
