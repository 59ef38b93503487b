"""The benchmark's data: a year (2024) of 15-minute points for 10 series, batches and a 5% change."""

import math
import random
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from gridstream.collector.entsoe.documents import ParsedDocument, ParsedSeries, Stretch
from gridstream.contracts import DataType, Resolution, SeriesKey

YEAR = 2024
STEP = timedelta(minutes=15)
CHANGED_SHARE = 0.05
# Ten DE_LU generation series (production types), as one A75 document per window would hold.
PRODUCTION_TYPES = ("B01", "B04", "B05", "B09", "B10", "B11", "B12", "B14", "B16", "B19")
SERIES_KEYS = tuple(
    SeriesKey(area="DE_LU", data_type=DataType.GENERATION_ACTUAL, qualifier=psr)
    for psr in PRODUCTION_TYPES
)
UNIT = "MAW"

Batch = ParsedDocument
"""One transaction's worth of work: a parsed A75 document with one stretch per series."""


def timestamps(year: int = YEAR) -> list[datetime]:
    """Every 15-minute slot start of the calendar year in UTC (35,136 for a leap year)."""
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    return [start + i * STEP for i in range(int((end - start) / STEP))]


def series_values(slots: list[datetime], count: int, seed: int = 2024) -> list[list[float]]:
    """Plausible MW values per series: a daily shape around a level, with noise, to 0.01 MW."""
    rng = random.Random(seed)
    values = []
    for index in range(count):
        level = 500.0 + 900.0 * index
        phase = rng.uniform(0, 2 * math.pi)
        values.append(
            [round(_daily(ts, level, phase) + rng.gauss(0, level * 0.02), 2) for ts in slots]
        )
    return values


def _daily(ts: datetime, level: float, phase: float) -> float:
    slot_of_day = ts.hour * 4 + ts.minute // 15
    return level * (1 + 0.3 * math.sin(2 * math.pi * slot_of_day / 96 + phase))


def windows(slots: list[datetime], window_of: Callable[[datetime], Hashable]) -> list[range]:
    """Index ranges of consecutive slots that share a window (e.g. a calendar month or day)."""
    ranges: list[range] = []
    start = 0
    for i in range(1, len(slots) + 1):
        if i == len(slots) or window_of(slots[i]) != window_of(slots[start]):
            ranges.append(range(start, i))
            start = i
    return ranges


def month_of(ts: datetime) -> tuple[int, int]:
    """The UTC calendar month of a slot."""
    return ts.year, ts.month


def day_of(ts: datetime) -> date:
    """The UTC day of a slot."""
    return ts.date()


def batches(slots: list[datetime], values: list[list[float]], ranges: list[range]) -> list[Batch]:
    """One document per window (one transaction each), as the parser would hand it over."""
    return [_document(slots, values, window) for window in ranges]


def _document(slots: list[datetime], values: list[list[float]], window: range) -> Batch:
    start, end = slots[window.start], slots[window.stop - 1] + STEP
    series = [
        ParsedSeries(
            key,
            UNIT,
            [Stretch(Resolution.PT15M, start, end, [(slots[i], column[i]) for i in window])],
        )
        for key, column in zip(SERIES_KEYS, values, strict=True)
    ]
    return ParsedDocument(
        kind="data", root="GL_MarketDocument", data_type=DataType.GENERATION_ACTUAL, series=series
    )


@dataclass(frozen=True)
class Change:
    """Which (series index, slot index) pairs a changed re-application alters."""

    cells: frozenset[tuple[int, int]]

    def apply(self, values: list[list[float]], delta: float) -> list[list[float]]:
        """A copy of `values` with `delta` added to every changed cell."""
        changed = [list(series) for series in values]
        for series, slot in self.cells:
            changed[series][slot] = round(changed[series][slot] + delta, 2)
        return changed


def pick_change(series: int, slots: int, share: float = CHANGED_SHARE, seed: int = 5) -> Change:
    """Exactly `share` of all cells, spread at random over the series and the year."""
    total = series * slots
    picked = random.Random(seed).sample(range(total), round(total * share))
    return Change(frozenset(divmod(cell, slots) for cell in picked))
