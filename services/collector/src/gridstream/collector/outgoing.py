"""Builds the collector's outgoing events from what a write changed (pure functions)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from gridstream.contracts import (
    MAX_POINTS_PER_DATA_READY,
    DataReady,
    Resolution,
    SeriesKey,
    TimeWindow,
)

SOURCE = "collector"


@dataclass(frozen=True, slots=True)
class SeriesChange:
    """Points of one series and resolution that a write inserted or changed."""

    key: SeriesKey
    unit: str
    resolution: Resolution
    points: list[tuple[datetime, float | None]]
    changed: frozenset[datetime]
    """Timestamps whose already stored value was replaced (revisions)."""


def derived_id(cause: UUID, *parts: object) -> UUID:
    """A deterministic event id, so a redelivered command re-creates the same ids (deduplicated)."""
    return uuid5(NAMESPACE_URL, "gridstream:" + ":".join([str(cause), *map(str, parts)]))


def data_ready_events(
    change: SeriesChange, caused: dict[str, UUID], max_points: int = MAX_POINTS_PER_DATA_READY
) -> list[DataReady]:
    """DataReady events for one change, split into parts of at most max_points points.

    `caused` holds the envelope's correlation_id and causation_id (see Message.caused()).
    """
    points = sorted(change.points)
    chunks = [points[i : i + max_points] for i in range(0, len(points), max_points)]
    return [
        DataReady(
            source=SOURCE,
            **caused,
            series=change.key,
            unit=change.unit,
            resolution=change.resolution,
            window=_span(chunk, change.resolution),
            points=chunk,
            revision=any(ts in change.changed for ts, _ in chunk),
            part=number,
            parts=len(chunks),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def _span(points: Sequence[tuple[datetime, float | None]], resolution: Resolution) -> TimeWindow:
    return TimeWindow(start=points[0][0], end=resolution.step(points[-1][0]))
