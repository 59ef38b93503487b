"""Publication horizon: the first slot start not yet published, given the clock (realistic deadlines)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridstream.contracts import DataType, Horizon, Resolution, add_months, spec_of
from gridstream.entsoe_sim.localtime import (
    first_monday,
    floor_to,
    local_date,
    local_midnight,
    monday_of,
    monday_on_or_after,
)

BRUSSELS = "Europe/Brussels"
_DAY = timedelta(days=1)
# Day-ahead items: published on D-1 at this Brussels time (SDAC results arrive about 12:45).
DAY_AHEAD_PUBLICATION: dict[DataType, time] = {
    DataType.LOAD_FORECAST_DAY_AHEAD: time(10, 0),
    DataType.DAY_AHEAD_PRICE: time(12, 45),
    DataType.GENERATION_FORECAST_DAY_AHEAD: time(18, 0),
    DataType.WIND_SOLAR_FORECAST_DAY_AHEAD: time(18, 0),
}
_WEEK_AHEAD_FRIDAY = time(10, 0)
_YEAR_AHEAD_FROM = (12, 15)
"""The year-ahead load forecast and margin for Y+1 are out by 15 December of Y."""
_CAPACITY_FROM = (12, 24)
"""Installed capacity for Y+1 is out one week before the end of Y."""


def published_until(data_type: DataType, now: datetime, tz: str, mtu: Resolution) -> datetime:
    """The start of the first slot that `now` has not yet seen published, in the area's zone."""
    spec = spec_of(data_type)
    if spec.horizon is Horizon.REALIZED:
        delay = spec.deadline.after_period or timedelta(hours=1)
        return floor_to(now - delay, mtu.fixed or timedelta(hours=1))
    if data_type in DAY_AHEAD_PUBLICATION:
        return _day_ahead(now, tz, DAY_AHEAD_PUBLICATION[data_type])
    if data_type is DataType.LOAD_FORECAST_WEEK_AHEAD:
        return _week_ahead(now, tz)
    if data_type is DataType.LOAD_FORECAST_MONTH_AHEAD:
        return _month_ahead(now, tz)
    if data_type is DataType.LOAD_FORECAST_YEAR_AHEAD:
        return local_midnight(first_monday(_published_year(now, tz, _YEAR_AHEAD_FROM) + 1), tz)
    if data_type is DataType.FORECAST_MARGIN_YEAR_AHEAD:
        return local_midnight(date(_published_year(now, tz, _YEAR_AHEAD_FROM) + 1, 1, 1), tz)
    return local_midnight(date(_published_year(now, tz, _CAPACITY_FROM) + 1, 1, 1), tz)


def _brussels(now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(BRUSSELS))


def _day_ahead(now: datetime, tz: str, at: time) -> datetime:
    local_now = _brussels(now)
    last_day = local_now.date() + (_DAY if local_now.time() >= at else timedelta(0))
    return local_midnight(last_day + _DAY, tz)


def _week_ahead(now: datetime, tz: str) -> datetime:
    local_now = _brussels(now)
    monday = monday_of(local_now.date())
    friday = datetime.combine(monday + 4 * _DAY, _WEEK_AHEAD_FRIDAY, tzinfo=ZoneInfo(BRUSSELS))
    weeks = 2 if local_now >= friday else 1
    return local_midnight(monday + weeks * 7 * _DAY, tz)


def _month_ahead(now: datetime, tz: str) -> datetime:
    # Weeks starting before `limit` are published; next month's weeks appear a week before it.
    today = local_date(now, tz)
    next_month = add_months(datetime(today.year, today.month, 1), 1).date()
    due = local_midnight(next_month, tz) - 7 * _DAY
    limit = (
        add_months(datetime(next_month.year, next_month.month, 1), 1).date()
        if now >= due
        else next_month
    )
    return local_midnight(monday_on_or_after(limit), tz)


def _published_year(now: datetime, tz: str, from_month_day: tuple[int, int]) -> int:
    today = local_date(now, tz)
    return today.year + 1 if (today.month, today.day) >= from_month_day else today.year
