"""Ingest benchmark: upsert_points throughput against a plain COPY of the same rows, same table, same run."""

import argparse
import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

from bench.ingest import report
from bench.ingest.run import run
from bench.ingest.server import ENV_URL, bench_server
from bench.sections import write_section

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "RESULTS.md"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print each pass and update bench/RESULTS.md; 1 if a check or the target fails."""
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="passes per measurement")
    parser.add_argument(
        "--database-url", default=None, help=f"PostgreSQL server to use (default: ${ENV_URL}, else embedded)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args(argv)
    host = report.machine()
    print(f"machine: {host}")
    started = time.perf_counter()
    with bench_server(args.database_url) as server:
        print(f"server: {server.origin}")
        results = asyncio.run(run(server, args.repeat))
    elapsed = time.perf_counter() - started
    section = report.render(results, host, args.repeat, elapsed)
    print(report.summary(results))
    if not args.no_write:
        write_section(RESULTS, report.BEGIN, report.END, section)
        print(f"wrote the bench:ingest section of {RESULTS}")
    return 0 if report.passed(results) else 1
