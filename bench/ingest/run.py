"""One benchmark run: fresh database, migrations, 10 series, then every measurement on the same table."""

import functools
from datetime import datetime
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.ingest import data
from bench.ingest.measure import Check, Measurement, copy_records, timed, upsert_pass, utcnow
from bench.ingest.probe import Probe
from bench.ingest.server import Server, fresh_database
from gridstream.collector.store import ensure_series
from gridstream.runtime import create_engine, run_migrations, session_maker
from gridstream.testing.urls import sqlalchemy_url

VERSIONS = "gridstream.collector.migrations.versions"


@dataclass
class Results:
    """Everything the report needs."""

    server: Server
    version: str
    settings: dict[str, str]
    measurements: dict[str, Measurement] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    def check(self, what: str, ok: bool, detail: str) -> None:
        """Record a verification (and say so on the console when it fails)."""
        self.checks.append(Check(what, ok, detail))
        if not ok:
            print(f"  CHECK FAILED: {what}: {detail}")


@dataclass
class _Context:
    probe: Probe
    maker: async_sessionmaker[AsyncSession]
    results: Results
    ids: list[int]
    total: int


async def run(server: Server, repeat: int) -> Results:
    """Set up a fresh database on `server` and take every measurement `repeat` times."""
    async with fresh_database(server.admin_dsn) as dsn:
        engine = create_engine(sqlalchemy_url(dsn), "collector", pool_size=1, max_overflow=0)
        probe = await Probe.connect(dsn)
        try:
            await run_migrations(engine, "collector", VERSIONS)
            maker = session_maker(engine)
            async with maker() as session, session.begin():
                ids = [await ensure_series(session, key, data.UNIT) for key in data.SERIES_KEYS]
            version, settings = await probe.describe()
            slots = data.timestamps()
            results = Results(server, version, settings)
            context = _Context(probe, maker, results, ids, len(ids) * len(slots))
            await _measure_all(context, slots, repeat)
            return results
        finally:
            await probe.close()
            await engine.dispose()


async def _measure_all(context: _Context, slots: list[datetime], repeat: int) -> None:
    values = data.series_values(slots, len(context.ids))
    ranges = {"month": data.windows(slots, data.month_of), "day": data.windows(slots, data.day_of)}
    batches = {name: data.batches(context.ids, slots, values, r) for name, r in ranges.items()}
    records = copy_records(context.ids, slots, values, utcnow())
    print(f"{context.total:,} points: {len(context.ids)} series x {len(slots):,} slots")
    await _fresh(context, records, batches, repeat)
    # Steady state: autovacuum would have analysed a table this size; do not leave it to chance.
    await context.probe.analyze()
    await _unchanged(context, batches, repeat)
    change = data.pick_change(len(context.ids), len(slots))
    deltas = iter(range(1, 2 * repeat + 1))
    for name, window_ranges in ranges.items():
        measurement = _measurement(context, f"changed_{name}", len(window_ranges))
        for _ in range(repeat):
            changed = change.apply(values, float(next(deltas)))
            await _changed_pass(
                context, measurement, data.batches(context.ids, slots, changed, window_ranges),
                len(change.cells),
            )


def _measurement(context: _Context, key: str, transactions: int) -> Measurement:
    measurement = Measurement(key, transactions, context.total)
    context.results.measurements[key] = measurement
    return measurement


async def _copy(probe: Probe, records: list[tuple[object, ...]]) -> tuple[float, int, int]:
    return await probe.copy(records), len(records), 0


async def _fresh(
    context: _Context,
    records: list[tuple[object, ...]],
    batches: dict[str, list[data.Batch]],
    repeat: int,
) -> None:
    """COPY and fresh upserts, interleaved per repetition, each on an emptied table."""
    probe, check = context.probe, context.results.check
    copy = _measurement(context, "copy", 1)
    fresh = {name: _measurement(context, f"fresh_{name}", len(b)) for name, b in batches.items()}
    reference: str | None = None
    for _ in range(repeat):
        await probe.reset()
        await timed(probe, copy, functools.partial(_copy, probe, records))
        counts = await probe.counts()
        check("COPY loads every row", counts == (context.total, 0), f"(rows, revisions) {counts}")
        reference = reference or await probe.fingerprint(versions=False)
        for name, measurement in fresh.items():
            await probe.reset()
            done = await timed(
                probe, measurement,
                functools.partial(upsert_pass, context.maker, batches[name], utcnow()),
            )
            counts = await probe.counts()
            check(
                f"fresh upsert by {name} inserts every row, no revisions",
                (done.inserted, done.changed, counts) == (context.total, 0, (context.total, 0)),
                f"inserted {done.inserted}, changed {done.changed}, (rows, revisions) {counts}",
            )
            content = await probe.fingerprint(versions=False)
            check(f"fresh upsert by {name} stores the COPY's rows", content == reference, content)


async def _unchanged(context: _Context, batches: dict[str, list[data.Batch]], repeat: int) -> None:
    """Re-apply the stored data as is: nothing may be written."""
    probe, check = context.probe, context.results.check
    for name, window_batches in batches.items():
        measurement = _measurement(context, f"same_{name}", len(window_batches))
        for _ in range(repeat):
            before = await probe.fingerprint(versions=True)
            done = await timed(
                probe, measurement,
                functools.partial(upsert_pass, context.maker, window_batches, utcnow()),
            )
            after = await probe.fingerprint(versions=True)
            counts = await probe.counts()
            check(
                f"unchanged re-apply by {name} reports nothing written",
                (done.inserted, done.changed) == (0, 0),
                f"inserted {done.inserted}, changed {done.changed}",
            )
            check(
                f"unchanged re-apply by {name} leaves every row version and no revision",
                before == after and counts == (context.total, 0),
                f"fingerprint {before} -> {after}, (rows, revisions) {counts}",
            )


async def _changed_pass(
    context: _Context, measurement: Measurement, batches: list[data.Batch], expected: int
) -> None:
    """Re-apply with `expected` values changed: exactly that many updates and revision rows."""
    probe, check = context.probe, context.results.check
    _, revisions_before = await probe.counts()
    now = utcnow()
    done = await timed(probe, measurement, functools.partial(upsert_pass, context.maker, batches, now))
    rows, revisions = await probe.counts()
    stamped = await probe.rows_changed_at(now)
    name = measurement.key
    check(
        f"{name}: upsert reports exactly the changed points",
        (done.inserted, done.changed) == (0, expected),
        f"inserted {done.inserted}, changed {done.changed}, expected {expected}",
    )
    check(
        f"{name}: one revision row and one new last_changed per changed point",
        (rows, revisions - revisions_before, stamped) == (context.total, expected, expected),
        f"rows {rows}, new revisions {revisions - revisions_before}, stamped {stamped}",
    )
