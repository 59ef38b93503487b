"""Timed passes over the same rows: COPY, fresh upserts, unchanged and 5%-changed re-applications."""

import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.ingest import data
from bench.ingest.probe import Probe
from gridstream.collector.writing import write_documents
from gridstream.contracts import Resolution

Upsert = Callable[[AsyncSession, data.Batch], Awaitable[tuple[int, int]]]
"""Writes one transaction's batch; (points inserted, points changed)."""


async def store_write(session: AsyncSession, batch: data.Batch) -> tuple[int, int]:
    """The collector's write path: `write_documents` (series lookup with locks, one upsert)."""
    summary = await write_documents(session, [batch])
    return summary.points_written, summary.points_changed


@dataclass(frozen=True)
class Pass:
    """One timed pass: seconds, what the writer reported and the WAL it caused."""

    seconds: float
    inserted: int
    changed: int
    wal_bytes: int


@dataclass
class Measurement:
    """Repeated passes of one kind over the same `points`."""

    writer: str
    """`copy` or `store` (gridstream.collector.store)."""
    kind: str
    """`copy`, `fresh` (empty table), `same` (unchanged re-apply) or `changed` (5% changed)."""
    window: str
    """What one transaction holds: `year` (COPY), `month` or `day` (one document of 10 series)."""
    transactions: int
    points: int
    passes: list[Pass] = field(default_factory=list)

    @property
    def key(self) -> str:
        """A short name for the console."""
        return f"{self.writer}:{self.kind}/{self.window}"

    @property
    def best(self) -> float:
        """Fastest pass, seconds."""
        return min(p.seconds for p in self.passes)

    @property
    def median(self) -> float:
        """Median pass, seconds."""
        return statistics.median(p.seconds for p in self.passes)

    @property
    def wal_mib(self) -> float:
        """Median WAL written per pass, MiB."""
        return statistics.median(p.wal_bytes for p in self.passes) / 2**20

    def rate(self, seconds: float) -> float:
        """Points per second for a pass of `seconds`."""
        return self.points / seconds


@dataclass(frozen=True)
class Check:
    """A verification made during the run."""

    what: str
    ok: bool
    detail: str


async def upsert_pass(
    upsert: Upsert,
    maker: async_sessionmaker[AsyncSession],
    batches: list[data.Batch],
) -> tuple[float, int, int]:
    """Apply every batch, one transaction each; (seconds, points inserted, points changed)."""
    inserted = changed = 0
    started = time.perf_counter()
    for batch in batches:
        async with maker() as session, session.begin():
            written, revised = await upsert(session, batch)
            inserted += written
            changed += revised
    return time.perf_counter() - started, inserted, changed


async def timed(
    probe: Probe, measurement: Measurement, run: Callable[[], Awaitable[tuple[float, int, int]]]
) -> Pass:
    """Run one pass, note its WAL volume and add it to `measurement`."""
    position = await probe.wal_position()
    seconds, inserted, changed = await run()
    result = Pass(seconds, inserted, changed, await probe.wal_position() - position)
    measurement.passes.append(result)
    print(
        f"  {measurement.key:<24} {seconds:6.2f} s  {measurement.points / seconds:>9,.0f} points/s  "
        f"inserted {inserted:>7,}  changed {changed:>6,}  WAL {result.wal_bytes / 2**20:6.1f} MiB"
    )
    return result


def copy_records(
    series_ids: list[int], slots: list[datetime], values: list[list[float]], now: datetime
) -> list[tuple[object, ...]]:
    """The same rows as the upserts write, as COPY takes them."""
    resolution = str(Resolution.PT15M)
    return [
        (sid, ts, value, resolution, now, now)
        for sid, series in zip(series_ids, values, strict=True)
        for ts, value in zip(slots, series, strict=True)
    ]


def utcnow() -> datetime:
    """The first_seen/last_changed stamp of the COPY rows."""
    return datetime.now(UTC)
