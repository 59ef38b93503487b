"""Merging the TimeSeries of one document that share a SeriesKey into one series without duplicates."""

from dataclasses import replace
from datetime import datetime

from gridstream.collector.entsoe.documents import ParsedSeries, Stretch
from gridstream.collector.entsoe.parse_errors import ParseError
from gridstream.contracts import SeriesKey


class SeriesCollector:
    """Gathers (key, unit, stretch) in document order and hands out merged series in first-seen order."""

    def __init__(self) -> None:
        """Start empty; one collector per parsed document."""
        self._units: dict[SeriesKey, str] = {}
        self._stretches: dict[SeriesKey, list[Stretch]] = {}

    def add(self, key: SeriesKey, unit: str, stretches: list[Stretch], line: int | None) -> None:
        """Add the stretches of one TimeSeries; ParseError if its unit differs from its key's earlier ones."""
        known = self._units.setdefault(key, unit)
        if known != unit:
            raise ParseError(
                f"TimeSeries at line {line}: series {key} has unit {unit}, before {known}"
            )
        self._stretches.setdefault(key, []).extend(stretches)

    def series(self) -> list[ParsedSeries]:
        """The merged series; keys whose TimeSeries had no points at all are left out."""
        merged = []
        for key, stretches in self._stretches.items():
            kept = merge_stretches(stretches)
            if kept:
                merged.append(ParsedSeries(key, self._units[key], kept))
        return merged


def merge_stretches(stretches: list[Stretch]) -> list[Stretch]:
    """Sort by start and drop timestamps an earlier stretch already has.

    On overlap the stretch that starts first wins, and among equal starts the one that came first in the
    document (the sort is stable). Overlaps are rare, so the timestamp set is only built when one occurs.
    """
    ordered = sorted(stretches, key=_start)
    kept: list[Stretch] = []
    seen: set[datetime] | None = None
    covered_until: datetime | None = None
    for candidate in ordered:
        stretch = candidate
        if covered_until is not None and stretch.start < covered_until:
            if seen is None:
                seen = {ts for earlier in kept for ts, _ in earlier.points}
            points = [point for point in stretch.points if point[0] not in seen]
            if not points:
                continue
            stretch = replace(stretch, points=points)
        if seen is not None:
            seen.update(ts for ts, _ in stretch.points)
        kept.append(stretch)
        covered_until = stretch.end if covered_until is None else max(covered_until, stretch.end)
    return kept


def _start(stretch: Stretch) -> datetime:
    return stretch.start
