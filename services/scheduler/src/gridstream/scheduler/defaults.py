"""The default schedules: publication-aware collection, gap scans, the backfill check and reports.

Each series of interest (``common``: areas x data types, plus the listed flows) gets collection
schedules chosen from its catalogue entry (``spec_of(data_type)``), in the catalogue's zone
(Europe/Brussels, where ENTSO-E deadlines are set):

- realized data (``Horizon.REALIZED``: load, generation, flows): every ``realized_every_minutes``;
- day-ahead prices (due ``day_before_at`` 13:00, the auction result comes at about 12:45):
  every ``price_poll_minutes`` from ``price_poll_lead_minutes`` before the deadline until an hour
  after it, then once an hour;
- other day-ahead forecasts: ``forecast_before_minutes`` before their deadline and
  ``forecast_after_minutes`` after it;
- week-, month- and year-ahead items (a ``lead`` deadline): every ``forecast_every_hours``.

Plus a gap scan every ``gapscan_every_hours``, the daily backfill check (a gap scan over each
series' whole history) and the daily reports of the previous local day.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from gridstream.contracts import DataType, Horizon, spec_of
from gridstream.runtime import CommonConfig, SeriesOfInterest
from gridstream.scheduler.spec import ScheduleSpec
from gridstream.scheduler.triggers import zone

PUBLICATION_ZONE = "Europe/Brussels"
"""The zone of the catalogue's publication deadlines (Deadline.day_before_at)."""


class DefaultSchedules(BaseModel):
    """Tunables of the default schedules (``scheduler.defaults``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    realized_every_minutes: int = Field(
        30, ge=5, le=120, description="Realized data (load, generation, flows): poll interval."
    )
    price_poll_minutes: int = Field(
        15, ge=5, le=60, description="Day-ahead prices: poll interval around the auction result."
    )
    price_poll_lead_minutes: int = Field(
        15, ge=0, le=120, description="Start polling prices this long before their deadline."
    )
    forecast_before_minutes: int = Field(
        60, ge=0, le=720, description="Day-ahead forecasts: first fetch this long before deadline."
    )
    forecast_after_minutes: int = Field(
        15, ge=1, le=720, description="Day-ahead forecasts: second fetch this long after it."
    )
    forecast_every_hours: int = Field(
        6, ge=1, le=24, description="Week-, month- and year-ahead items: poll interval."
    )
    gapscan_every_hours: int = Field(4, ge=1, le=24, description="Gap scan interval.")
    backfill_check_hour: int = Field(2, ge=0, le=23, description="Daily backfill check: hour.")
    backfill_check_minute: int = Field(0, ge=0, le=59, description="... and minute.")
    report_hour: int = Field(6, ge=0, le=23, description="Daily reports: hour.")
    report_minute: int = Field(0, ge=0, le=59, description="... and minute.")
    timezone: str = Field(
        PUBLICATION_ZONE, description="Zone of the backfill check, the reports and their day."
    )
    jitter_seconds: float = Field(
        0, ge=0, le=300, description="Spread collection fires over this many seconds."
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone(value)
        return value


def default_schedules(common: CommonConfig, d: DefaultSchedules) -> list[ScheduleSpec]:
    """Every default schedule for the configured series, gap scans, backfill check and reports."""
    schedules = [one for series in common.series_of_interest() for one in _collection(series, d)]
    return [*schedules, *_quality(d)]


def _collection(series: SeriesOfInterest, d: DefaultSchedules) -> list[ScheduleSpec]:
    spec = spec_of(series.data_type)
    command: dict[str, Any] = {"area": series.area, "data_type": series.data_type.value}
    name = f"collect-{series.area.lower()}-{series.data_type.value}"
    if series.to_area is not None:
        command["to_area"] = series.to_area
        name += f"-{series.to_area.lower()}"
    deadline = spec.deadline.day_before_at
    if spec.horizon is Horizon.REALIZED:
        triggers = {name: {"every": d.realized_every_minutes * 60}}
    elif series.data_type is DataType.DAY_AHEAD_PRICE and deadline is not None:
        triggers = _auction_polls(name, _minute_of_day(deadline), d)
    elif deadline is not None:
        at = _minute_of_day(deadline)
        before = at - d.forecast_before_minutes
        triggers = {
            f"{name}-before": _daily(before),
            f"{name}-after": _daily(at + d.forecast_after_minutes),
        }
    else:
        triggers = {name: {"every": d.forecast_every_hours * 3600}}
    return [
        ScheduleSpec.model_validate(
            trigger
            | {"name": key, "command_type": "CollectionRequested", "command": command}
            | {"jitter_seconds": d.jitter_seconds}
        )
        for key, trigger in triggers.items()
    ]


def _auction_polls(name: str, deadline: int, d: DefaultSchedules) -> dict[str, dict[str, Any]]:
    """Poll every few minutes around the auction result, then hourly (one cron per hour polled)."""
    start = deadline - d.price_poll_lead_minutes
    polls = range(start, deadline + 60, d.price_poll_minutes)
    by_hour: dict[int, list[int]] = {}
    for minute in polls:
        by_hour.setdefault(minute // 60 % 24, []).append(minute % 60)
    triggers = {
        f"{name}-poll-{hour:02d}": _cron(",".join(map(str, minutes)), str(hour))
        for hour, minutes in by_hour.items()
    }
    hourly = [h for h in range(24) if 0 not in by_hour.get(h, [])]
    triggers[f"{name}-hourly"] = _cron("0", ",".join(map(str, hourly)))
    return triggers


def _quality(d: DefaultSchedules) -> list[ScheduleSpec]:
    previous_day = {"relative": {"unit": "day", "offset": -1, "timezone": d.timezone}}
    entries: list[dict[str, Any]] = [
        {
            "name": "gapscan",
            "every": d.gapscan_every_hours * 3600,
            "command_type": "GapScanRequested",
        },
        # series=None: every configured series over its whole history; quality backfills old gaps.
        {
            "name": "backfill-check",
            "command_type": "GapScanRequested",
            **_cron(str(d.backfill_check_minute), str(d.backfill_check_hour), d.timezone),
        },
        {
            "name": "report-daily",
            "command_type": "ReportRequested",
            "command": {"period": "daily", "window": previous_day},
            **_cron(str(d.report_minute), str(d.report_hour), d.timezone),
        },
    ]
    return [ScheduleSpec.model_validate(entry) for entry in entries]


def _minute_of_day(at: time) -> int:
    return at.hour * 60 + at.minute


def _daily(minute_of_day: int) -> dict[str, Any]:
    minute_of_day %= 24 * 60
    return _cron(str(minute_of_day % 60), str(minute_of_day // 60))


def _cron(minutes: str, hours: str, timezone: str = PUBLICATION_ZONE) -> dict[str, Any]:
    return {"cron": f"{minutes} {hours} * * *", "timezone": timezone}


__all__ = ["PUBLICATION_ZONE", "DefaultSchedules", "default_schedules"]
