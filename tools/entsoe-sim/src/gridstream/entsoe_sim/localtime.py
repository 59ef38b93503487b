"""Local-calendar helpers: midnights, Mondays and years of an area, as UTC instants."""

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MICROSECOND = timedelta(microseconds=1)


def local_midnight(day: date, tz: str) -> datetime:
    """00:00 local time of `day` in `tz`, as a UTC instant (European zones never skip midnight)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local_date(ts: datetime, tz: str) -> date:
    """The local calendar date of a UTC instant."""
    return ts.astimezone(ZoneInfo(tz)).date()


def last_local_date(end: datetime, tz: str) -> date:
    """The local date of the last instant before an exclusive `end`."""
    return local_date(end - MICROSECOND, tz)


def monday_of(day: date) -> date:
    """The Monday of the week containing `day`."""
    return day - timedelta(days=day.weekday())


def monday_on_or_after(day: date) -> date:
    """`day` if it is a Monday, else the next Monday."""
    return day + timedelta(days=(7 - day.weekday()) % 7)


def first_monday(year: int) -> date:
    """The first Monday of a calendar year (the year-ahead forecast's week grid starts there)."""
    return monday_on_or_after(date(year, 1, 1))


def weeks_in_year(year: int) -> int:
    """How many Mondays a calendar year has (52 or 53)."""
    return (first_monday(year + 1) - first_monday(year)).days // 7


def floor_to(ts: datetime, step: timedelta) -> datetime:
    """The latest multiple of `step` since the epoch at or before `ts`."""
    seconds = step.total_seconds()
    return datetime.fromtimestamp(math.floor(ts.timestamp() / seconds) * seconds, UTC)


def ceil_to(ts: datetime, step: timedelta) -> datetime:
    """The earliest multiple of `step` since the epoch at or after `ts`."""
    seconds = step.total_seconds()
    return datetime.fromtimestamp(math.ceil(ts.timestamp() / seconds) * seconds, UTC)
