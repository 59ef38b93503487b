"""One benchmark run: fresh database, migrations, 10 series, then every measurement on the same table."""

import functools
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.ingest import data
from bench.ingest.measure import (
    Check,
    Measurement,
    Upsert,
    copy_records,
    store_write,
    timed,
    upsert_pass,
    utcnow,
)
from bench.ingest.probe import Probe
from bench.ingest.server import Server, fresh_database
from gridstream.collector import store
from gridstream.runtime import create_engine, run_migrations, session_maker
from gridstream.testing.urls import sqlalchemy_url

VERSIONS = "gridstream.collector.migrations.versions"


@dataclass(frozen=True)
class Plan:
    """How many passes of each kind."""

    repeat: int
    day_repeat: int

    @property
    def writers(self) -> dict[str, Upsert]:
        """The writers to time (the store's batched upsert)."""
        return {"store": store_write}


@dataclass
class Results:
    """Everything the report needs."""

    server: Server
    plan: Plan
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
    slots: list[datetime]
    values: list[list[float]]
    ranges: dict[str, list[range]]

    @property
    def total(self) -> int:
        return len(self.ids) * len(self.slots)

    def batches(self, window: str, values: list[list[float]] | None = None) -> list[data.Batch]:
        return data.batches(self.slots, values or self.values, self.ranges[window])

    def measurement(self, writer: str, kind: str, window: str) -> Measurement:
        key = f"{writer}:{kind}/{window}"
        if key not in self.results.measurements:
            transactions = 1 if writer == "copy" else len(self.ranges[window])
            self.results.measurements[key] = Measurement(
                writer, kind, window, transactions, self.total
            )
        return self.results.measurements[key]


async def run(server: Server, plan: Plan) -> Results:
    """Set up a fresh database on `server` and take every measurement of `plan`."""
    async with fresh_database(server.admin_dsn) as dsn:
        engine = create_engine(sqlalchemy_url(dsn), "collector", pool_size=1, max_overflow=0)
        probe = await Probe.connect(dsn)
        try:
            await run_migrations(engine, "collector", VERSIONS)
            maker = session_maker(engine)
            async with maker() as session, session.begin():
                ids = [
                    await store.ensure_series(session, key, data.UNIT) for key in data.SERIES_KEYS
                ]
            version, settings = await probe.describe()
            results = Results(server, plan, version, settings)
            slots = data.timestamps()
            values = data.series_values(slots, len(ids))
            ranges = {
                "month": data.windows(slots, data.month_of),
                "day": data.windows(slots, data.day_of),
            }
            context = _Context(probe, maker, results, ids, slots, values, ranges)
            print(f"{context.total:,} points: {len(ids)} series x {len(slots):,} slots")
            await _measure_all(context, plan)
            return results
        finally:
            await probe.close()
            await engine.dispose()


async def _measure_all(context: _Context, plan: Plan) -> None:
    """Fresh loads first, then re-applications on the loaded table; writers interleaved."""
    reference = await _fresh(context, plan)
    # Steady state: autovacuum would have analysed a table this size; do not leave it to chance.
    await context.probe.analyze()
    for window, repeat in (("month", plan.repeat), ("day", plan.day_repeat)):
        for _ in range(repeat):
            for writer, upsert in plan.writers.items():
                await _unchanged(context, context.measurement(writer, "same", window), upsert)
    change = data.pick_change(len(context.ids), len(context.slots))
    delta = 0.0
    for _ in range(plan.repeat):
        for writer, upsert in plan.writers.items():
            delta += 1.0  # every pass moves the same cells to new values
            batches = context.batches("month", change.apply(context.values, delta))
            measurement = context.measurement(writer, "changed", "month")
            await _changed(context, measurement, upsert, batches, len(change.cells))
    content = await context.probe.fingerprint(versions=False)
    context.results.check(
        "after the changed passes the content differs from the original load",
        content != reference,
        content,
    )


async def _copy(probe: Probe, records: list[tuple[object, ...]]) -> tuple[float, int, int]:
    return await probe.copy(records), len(records), 0


async def _fresh(context: _Context, plan: Plan) -> str:
    """COPY and fresh upserts interleaved per repetition, each on an emptied table.

    Returns the content fingerprint of the COPY, which every fresh upsert must reproduce.
    """
    probe, check, total = context.probe, context.results.check, context.total
    records = copy_records(context.ids, context.slots, context.values, utcnow())
    batches = {window: context.batches(window) for window in context.ranges}
    reference = ""
    for rep in range(plan.repeat):
        await probe.reset()
        await timed(
            probe,
            context.measurement("copy", "copy", "year"),
            functools.partial(_copy, probe, records),
        )
        counts = await probe.counts()
        check("COPY loads every row", counts == (total, 0), f"(rows, revisions) {counts}")
        reference = reference or await probe.fingerprint(versions=False)
        for writer, upsert in plan.writers.items():
            for window in ("month", "day"):
                if window == "day" and rep >= plan.day_repeat:
                    continue
                await probe.reset()
                measurement = context.measurement(writer, "fresh", window)
                done = await timed(
                    probe,
                    measurement,
                    functools.partial(upsert_pass, upsert, context.maker, batches[window]),
                )
                counts = await probe.counts()
                check(
                    f"{measurement.key}: every row inserted, no revisions",
                    (done.inserted, done.changed, counts) == (total, 0, (total, 0)),
                    f"inserted {done.inserted}, changed {done.changed}, (rows, revisions) {counts}",
                )
                content = await probe.fingerprint(versions=False)
                check(f"{measurement.key}: same rows as the COPY", content == reference, content)
    return reference


async def _unchanged(context: _Context, measurement: Measurement, upsert: Upsert) -> None:
    """Re-apply the stored data as it is: nothing may be written."""
    probe, check = context.probe, context.results.check
    before = await probe.fingerprint(versions=True)
    _, revisions_before = await probe.counts()
    done = await timed(
        probe,
        measurement,
        functools.partial(upsert_pass, upsert, context.maker, context.batches(measurement.window)),
    )
    after = await probe.fingerprint(versions=True)
    rows, revisions = await probe.counts()
    check(
        f"{measurement.key}: nothing reported written",
        (done.inserted, done.changed) == (0, 0),
        f"inserted {done.inserted}, changed {done.changed}",
    )
    check(
        f"{measurement.key}: every row version kept, no revision added",
        before == after and (rows, revisions) == (context.total, revisions_before),
        f"fingerprint {before} -> {after}, rows {rows}, revisions {revisions_before} -> {revisions}",
    )


async def _changed(
    context: _Context,
    measurement: Measurement,
    upsert: Upsert,
    batches: list[data.Batch],
    expected: int,
) -> None:
    """Re-apply with `expected` values changed: exactly that many updates and revision rows."""
    probe, check = context.probe, context.results.check
    _, revisions_before = await probe.counts()
    started = await probe.database_now()
    done = await timed(
        probe, measurement, functools.partial(upsert_pass, upsert, context.maker, batches)
    )
    rows, revisions = await probe.counts()
    stamped = await probe.rows_changed_since(started)
    check(
        f"{measurement.key}: exactly the changed points reported",
        (done.inserted, done.changed) == (0, expected),
        f"inserted {done.inserted}, changed {done.changed}, expected {expected}",
    )
    check(
        f"{measurement.key}: one revision row and one new last_changed per changed point",
        (rows, revisions - revisions_before, stamped) == (context.total, expected, expected),
        f"rows {rows}, new revisions {revisions - revisions_before}, stamped {stamped}",
    )
