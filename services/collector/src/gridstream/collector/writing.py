"""Writes parsed ENTSO-E documents to the store and gathers what changed (one transaction)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.collector.entsoe.documents import ParsedDocument
from gridstream.collector.outgoing import SeriesChange
from gridstream.collector.store import ensure_series, upsert_points
from gridstream.contracts import Resolution, SeriesKey


@dataclass(slots=True)
class _Accumulator:
    unit: str
    points: list[tuple[datetime, float | None]] = field(default_factory=list)
    changed: set[datetime] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class WriteSummary:
    """Totals of one write and the per-series changes to announce."""

    points_written: int
    points_changed: int
    changes: list[SeriesChange]


async def write_documents(
    session: AsyncSession, documents: Sequence[ParsedDocument], now: datetime
) -> WriteSummary:
    """Upsert every stretch of every data document; unchanged points are not written at all."""
    series_ids: dict[SeriesKey, int] = {}
    changes: dict[tuple[SeriesKey, Resolution], _Accumulator] = {}
    written = changed = 0
    for document in documents:
        for series in document.series:
            if series.key not in series_ids:
                series_ids[series.key] = await ensure_series(session, series.key, series.unit)
            for stretch in series.stretches:
                outcome = await upsert_points(
                    session, series_ids[series.key], stretch.resolution, stretch.points, now
                )
                if not outcome.inserted and not outcome.changed:
                    continue
                acc = changes.setdefault(
                    (series.key, stretch.resolution), _Accumulator(series.unit)
                )
                acc.points.extend(outcome.touched)
                acc.changed.update(ts for ts, _ in outcome.changed)
                written += len(outcome.inserted)
                changed += len(outcome.changed)
    return WriteSummary(
        points_written=written,
        points_changed=changed,
        changes=[
            SeriesChange(key, acc.unit, resolution, _dedupe(acc.points), frozenset(acc.changed))
            for (key, resolution), acc in changes.items()
        ],
    )


def _dedupe(points: list[tuple[datetime, float | None]]) -> list[tuple[datetime, float | None]]:
    # Overlapping pages or windows can write one slot twice; the later write is the stored one.
    return sorted(dict(points).items())
