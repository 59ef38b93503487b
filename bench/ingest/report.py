"""The ingest benchmark's section of bench/RESULTS.md: machine, server, command, table and checks."""

from datetime import UTC, datetime

from bench import sections
from bench.ingest import notes
from bench.ingest.measure import Measurement
from bench.ingest.run import Results

BEGIN, END = "<!-- bench:ingest -->", "<!-- /bench:ingest -->"
COPY = "copy:copy/year"
# Fresh loads in month and day transactions, with the share of the COPY rate each must reach.
TARGETS = {"store:fresh/month": 0.40, "store:fresh/day": 0.60}
_PACKAGES = ("asyncpg", "sqlalchemy")
_KINDS = {
    "copy": "`COPY` (asyncpg `copy_records_to_table`)",
    "fresh": "fresh upsert, empty table",
    "same": "re-apply unchanged",
    "changed": "re-apply, 5% changed",
}
_WINDOWS = {
    "year": "all rows, 1 statement",
    "month": "1 month x 10 series, 1 document",
    "day": "1 day x 10 series, 1 document",
}


def machine() -> str:
    """One line on the machine, interpreter, library versions and load at the start."""
    return sections.machine(_PACKAGES)


def ratio(results: Results, key: str) -> tuple[float, float]:
    """(best, median) of a measurement's rate as a share of the COPY rate."""
    copy, other = results.measurements[COPY], results.measurements[key]
    return copy.best / other.best, copy.median / other.median


def passed(results: Results) -> bool:
    """Every check held and each headline ratio (medians) meets its target."""
    return all(c.ok for c in results.checks) and all(
        ratio(results, key)[1] >= target for key, target in TARGETS.items()
    )


def summary(results: Results) -> str:
    """Console lines: rates per measurement and the share of COPY."""
    lines = ["summary (best and median points/s; share of the COPY rate by median):"]
    copy = results.measurements[COPY]
    for m in results.measurements.values():
        lines.append(
            f"  {m.key:<24} {m.rate(m.best):>9,.0f} {m.rate(m.median):>9,.0f} "
            f"{copy.median / m.median:6.0%}"
        )
    failed = [c for c in results.checks if not c.ok]
    lines.append(f"checks: {len(results.checks) - len(failed)} passed, {len(failed)} failed")
    return "\n".join(lines)


def _table(results: Results) -> list[str]:
    copy = results.measurements[COPY]
    lines = [
        "| writer | pass | one transaction | tx | passes | best s | median s "
        "| best points/s | median points/s | vs `COPY` (median) | WAL per pass |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    kinds = {kind: i for i, kind in enumerate(_KINDS)}
    windows = {window: i for i, window in enumerate(_WINDOWS)}
    writers = {"copy": 0, "store": 1}
    rows = sorted(
        results.measurements.values(),
        key=lambda m: (kinds[m.kind], windows[m.window], writers[m.writer]),
    )
    lines += [_row(m, copy) for m in rows]
    return lines


def _row(m: Measurement, copy: Measurement) -> str:
    cells = [
        m.writer,
        _KINDS[m.kind],
        _WINDOWS[m.window],
        f"{m.transactions:,}",
        str(len(m.passes)),
        f"{m.best:.2f}",
        f"{m.median:.2f}",
        f"{m.rate(m.best):,.0f}",
        f"{m.rate(m.median):,.0f}",
        f"{copy.median / m.median:.0%}",
        f"{m.wal_mib:.1f} MiB",
    ]
    if m.key in TARGETS:
        cells = [f"**{cell}**" for cell in cells]
    return "| " + " | ".join(cells) + " |"


def _headlines(results: Results) -> list[str]:
    lines = []
    for key, target in TARGETS.items():
        best, median = ratio(results, key)
        verdict = "meets" if median >= target else "MISSES"
        window = results.measurements[key].window
        lines.append(
            f"**Fresh upsert, one transaction per {window}: {median:.0%} of the `COPY` rate by "
            f"median ({best:.0%} by best pass), which {verdict} the target of {target:.0%}.**"
        )
    return lines


def render(results: Results, host: str, command: str, elapsed: float) -> str:
    """The markdown section, markers included."""
    settings = ", ".join(f"{k}={v}" for k, v in results.settings.items())
    failed = [c for c in results.checks if not c.ok]
    lines = [
        BEGIN,
        "## Ingest: the collector's write path (`write_documents`) vs `COPY` (`bench/ingest`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}` ({elapsed:.0f} s in all).",
        f"Machine: {host}.",
        f"Server: PostgreSQL {results.version}, {results.server.origin}, with its default "
        f"settings (unlike the test harness's embedded server, which turns fsync and "
        f"synchronous_commit off): {settings}.",
        "",
        *_headlines(results),
        "",
        *_table(results),
        "",
        *notes.findings(results),
        "",
        notes.METHOD,
        "",
        f"Checks: {len(results.checks) - len(failed)} of {len(results.checks)} passed"
        + ("." if not failed else ": " + "; ".join(f"{c.what} ({c.detail})" for c in failed)),
        END,
    ]
    return "\n".join(lines) + "\n"
