"""Ingest benchmark: the collector's write path against a plain COPY of the same rows, same table."""

import argparse
import asyncio
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.ingest import report
from bench.ingest.run import Plan, run
from bench.ingest.server import ENV_URL, bench_server
from bench.sections import write_section

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "RESULTS.md"
COMMAND = "cd /work/main && uv run --no-sync python -m bench.ingest"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print each pass and update bench/RESULTS.md; 1 if a check or the target fails."""
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="passes of COPY and month batches")
    parser.add_argument("--day-repeat", type=int, default=5, help="passes of day batches")
    parser.add_argument(
        "--database-url", help=f"server to use (default: ${ENV_URL}, else an embedded one)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args(argv)
    plan = Plan(max(args.repeat, 1), max(args.day_repeat, 1))
    host = report.machine()
    print(f"machine: {host}")
    started = time.perf_counter()
    with bench_server(args.database_url) as server:
        print(f"server: {server.origin}")
        results = asyncio.run(run(server, plan))
    elapsed = time.perf_counter() - started
    print(report.summary(results))
    if not args.no_write:
        shown = [a for a in (sys.argv[1:] if argv is None else argv) if "://" not in a]
        command = " ".join([COMMAND, *map(shlex.quote, shown)])
        write_section(
            RESULTS, report.BEGIN, report.END, report.render(results, host, command, elapsed)
        )
        print(f"wrote the bench:ingest section of {RESULTS}")
    return 0 if report.passed(results) else 1
