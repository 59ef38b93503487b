"""Slot grids: which slots (and in which blocks) a document covers for a requested window."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from gridstream.contracts import Resolution
from gridstream.entsoe_sim.localtime import (
    ceil_to,
    first_monday,
    floor_to,
    last_local_date,
    local_date,
    local_midnight,
    monday_of,
    weeks_in_year,
)

_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)


class Grid(Enum):
    """How a data type lays its slots out in time."""

    MTU = "mtu"
    """Fixed UTC steps (PT15M, PT60M): one block over the whole window."""
    PRICE_DAYS = "price_days"
    """One block per local delivery day; whole days only, resolution per day."""
    WEEK_DAYS = "week_days"
    """One block per local week (Monday first), seven P1D slots."""
    WEEKS = "weeks"
    """One block per local week, one P7D slot."""
    YEAR_WEEKS = "year_weeks"
    """P7D slots every 7 days from the first Monday of each year (the year-ahead grid)."""
    YEARS = "years"
    """One P1Y slot per local calendar year."""


@dataclass(frozen=True, slots=True)
class Block:
    """A run of consecutive slots that can form one Period."""

    start: datetime
    end: datetime
    resolution: Resolution

    def slots(self) -> list[tuple[datetime, datetime]]:
        """(start, end) of every slot in the block."""
        step = self.resolution.fixed
        if step is None:
            return [(self.start, self.end)]
        count = int((self.end - self.start) / step)
        return [(self.start + k * step, self.start + (k + 1) * step) for k in range(count)]


DayResolution = Callable[[datetime], Resolution]
"""The resolution of the price day starting at a UTC instant."""


def _hourly(day_start: datetime) -> Resolution:
    return Resolution.PT60M


def blocks_for(
    grid: Grid,
    start: datetime,
    end: datetime,
    tz: str,
    *,
    mtu: Resolution = Resolution.PT60M,
    day_resolution: DayResolution = _hourly,
) -> list[Block]:
    """The blocks of `grid` overlapping [start, end) in the area's time zone."""
    if grid is Grid.MTU:
        return _mtu(start, end, mtu)
    if grid is Grid.PRICE_DAYS:
        return _price_days(start, end, tz, day_resolution)
    if grid is Grid.WEEK_DAYS:
        return _weeks(start, end, tz, Resolution.P1D)
    if grid is Grid.WEEKS:
        return _weeks(start, end, tz, Resolution.P7D)
    if grid is Grid.YEAR_WEEKS:
        return _year_weeks(start, end, tz)
    return _years(start, end, tz)


def _mtu(start: datetime, end: datetime, resolution: Resolution) -> list[Block]:
    step = resolution.fixed or timedelta(hours=1)
    return [Block(floor_to(start, step), ceil_to(end, step), resolution)]


def _price_days(start: datetime, end: datetime, tz: str, resolution: DayResolution) -> list[Block]:
    blocks: list[Block] = []
    day = local_date(start, tz)
    while day <= last_local_date(end, tz):
        day_start = local_midnight(day, tz)
        blocks.append(Block(day_start, local_midnight(day + _DAY, tz), resolution(day_start)))
        day += _DAY
    return blocks


def _weeks(start: datetime, end: datetime, tz: str, resolution: Resolution) -> list[Block]:
    # Seven fixed days from the local Monday: in a DST week the block ends an hour off the next
    # Monday, as a Period of whole P1D/P7D steps must.
    blocks: list[Block] = []
    monday = monday_of(local_date(start, tz))
    while (week_start := local_midnight(monday, tz)) < end:
        blocks.append(Block(week_start, week_start + _WEEK, resolution))
        monday += _WEEK
    return blocks


def _year_weeks(start: datetime, end: datetime, tz: str) -> list[Block]:
    # The year-ahead grid steps 7 fixed days from each year's first Monday, so every request
    # sees the same slot starts however it slices the year (DST shifts them by an hour in summer).
    blocks: list[Block] = []
    for year in range(local_date(start, tz).year - 1, last_local_date(end, tz).year + 1):
        anchor = local_midnight(first_monday(year), tz)
        weeks = [k for k in range(weeks_in_year(year)) if _overlaps(anchor + k * _WEEK, start, end)]
        if weeks:
            blocks.append(
                Block(anchor + weeks[0] * _WEEK, anchor + (weeks[-1] + 1) * _WEEK, Resolution.P7D)
            )
    return blocks


def _overlaps(week_start: datetime, start: datetime, end: datetime) -> bool:
    return week_start < end and week_start + _WEEK > start


def _years(start: datetime, end: datetime, tz: str) -> list[Block]:
    first, last = local_date(start, tz).year, last_local_date(end, tz).year
    return [
        Block(
            local_midnight(date(year, 1, 1), tz),
            local_midnight(date(year + 1, 1, 1), tz),
            Resolution.P1Y,
        )
        for year in range(first, last + 1)
    ]
