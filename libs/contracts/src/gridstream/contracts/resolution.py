"""Resolutions of ENTSO-E series (ISO 8601 durations) and stepping through their slots in UTC."""

from datetime import datetime, timedelta
from enum import StrEnum


class Resolution(StrEnum):
    """A series resolution as ENTSO-E writes it; data carried with points, never part of a key."""

    PT1M = "PT1M"
    PT15M = "PT15M"
    PT30M = "PT30M"
    PT60M = "PT60M"
    P1D = "P1D"
    P7D = "P7D"
    P1M = "P1M"
    P1Y = "P1Y"

    @property
    def fixed(self) -> timedelta | None:
        """The slot length when it is fixed; None for calendar months and years."""
        return _FIXED.get(self)

    def step(self, ts: datetime, n: int = 1) -> datetime:
        """The start of the slot n steps after the slot starting at ts."""
        fixed = self.fixed
        if fixed is not None:
            return ts + fixed * n
        months = n if self is Resolution.P1M else 12 * n
        return add_months(ts, months)

    def slots(self, start: datetime, end: datetime) -> int:
        """How many whole slots fit in [start, end)."""
        fixed = self.fixed
        if fixed is not None:
            return int((end - start) // fixed)
        count = 0
        ts = start
        while self.step(ts) <= end:
            ts = self.step(ts)
            count += 1
        return count


_FIXED: dict[Resolution, timedelta] = {
    Resolution.PT1M: timedelta(minutes=1),
    Resolution.PT15M: timedelta(minutes=15),
    Resolution.PT30M: timedelta(minutes=30),
    Resolution.PT60M: timedelta(hours=1),
    Resolution.P1D: timedelta(days=1),
    Resolution.P7D: timedelta(days=7),
}


def add_months(ts: datetime, months: int) -> datetime:
    """Add calendar months, keeping the time of day and clamping the day to the month's length."""
    index = ts.year * 12 + (ts.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(ts.day, _days_in_month(year, month))
    return ts.replace(year=year, month=month, day=day)


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (datetime(year, month + 1, 1) - datetime(year, month, 1)).days
