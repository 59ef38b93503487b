"""Scheduler benchmark: fire precision to JetStream's PubAck, and hand-over after SIGKILL."""

import argparse
import asyncio
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.ingest.server import ENV_URL
from bench.scheduler import handover, precision, report
from bench.scheduler.stack import stack
from bench.sections import write_section

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "RESULTS.md"
COMMAND = "cd /work/main && uv run --no-sync python -m bench.scheduler"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler", description=__doc__)
    parser.add_argument("--schedules", type=int, default=20, help="schedules `every: 1`")
    parser.add_argument("--seconds", type=int, default=50, help="seconds of fires measured")
    parser.add_argument(
        "--leases", default="15,3", help="lease_seconds settings of the hand-over, comma-separated"
    )
    parser.add_argument("--rounds", type=int, default=3, help="hand-over rounds per lease")
    parser.add_argument(
        "--database-url", help=f"PostgreSQL to use (default: ${ENV_URL}, else an embedded one)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run both measurements, print them and update bench/RESULTS.md; 1 if a check or the target fails."""
    args = _parser().parse_args(argv)
    plan = precision.PrecisionPlan(max(args.schedules, 1), max(args.seconds, 1))
    leases = [float(v) for v in args.leases.split(",") if v.strip()]
    host = report.machine()
    print(f"machine: {host}")
    started = time.perf_counter()
    with stack(args.database_url) as servers:
        print(f"fire precision: {plan.schedules} schedules every second for {plan.seconds} s")
        fires = precision.run(servers, plan)
        print(f"hand-over: {args.rounds} round(s) for lease_seconds {leases}")
        rounds = asyncio.run(handover.measure_all(servers, leases, max(args.rounds, 1), {}))
    elapsed = time.perf_counter() - started
    print(report.summary(fires, rounds))
    if not args.no_write:
        shown = [a for a in (sys.argv[1:] if argv is None else argv) if "://" not in a]
        command = " ".join([COMMAND, *map(shlex.quote, shown)])
        section = report.render(fires, rounds, host, command, elapsed)
        write_section(RESULTS, report.BEGIN, report.END, section)
        print(f"wrote the bench:scheduler section of {RESULTS}")
    return 0 if report.met(fires) and not report.checks(fires, rounds) else 1
