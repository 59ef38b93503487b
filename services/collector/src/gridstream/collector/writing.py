"""Writes parsed ENTSO-E documents to the store and gathers what changed (one transaction)."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.collector.entsoe.documents import ParsedDocument
from gridstream.collector.outgoing import SeriesChange
from gridstream.collector.store import lock_series
from gridstream.collector.upserts import Stretch, upsert_stretches


@dataclass(frozen=True, slots=True)
class WriteSummary:
    """Totals of one write and the per-series changes to announce."""

    points_written: int
    points_changed: int
    changes: list[SeriesChange]


async def write_documents(
    session: AsyncSession, documents: Sequence[ParsedDocument]
) -> WriteSummary:
    """Upsert every stretch of every data document at once; unchanged points are not written."""
    units = {s.key: s.unit for d in documents for s in d.series}
    # The lookup takes the series' write locks too: one round trip less per write.
    locks = await lock_series(session, units)
    ids = locks.ids
    # Document order: a slot given twice keeps its last value.
    stretches = [
        (series.key, Stretch(ids[series.key], stretch.resolution, stretch.points))
        for series in (s for d in documents for s in d.series)
        for stretch in series.stretches
    ]
    outcomes = await upsert_stretches(session, [stretch for _, stretch in stretches], locks)
    changes = []
    for key, resolution in dict.fromkeys((k, s.resolution) for k, s in stretches):
        outcome = outcomes.get((ids[key], resolution))
        if outcome is not None:
            changed = frozenset(ts for ts, _ in outcome.changed)
            changes.append(SeriesChange(key, units[key], resolution, outcome.touched, changed))
    return WriteSummary(
        points_written=sum(len(o.inserted) for o in outcomes.values()),
        points_changed=sum(len(o.changed) for o in outcomes.values()),
        changes=changes,
    )
