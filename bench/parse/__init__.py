"""Parser benchmark: our ENTSO-E parser vs entsoe-py on the real fixtures, plus memory on big documents."""

import argparse
from collections.abc import Sequence
from pathlib import Path

from bench.parse import memory, report, speed

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "services" / "collector" / "tests" / "fixtures" / "entsoe" / "real"
RESULTS = ROOT / "bench" / "RESULTS.md"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables and update bench/RESULTS.md; 1 if the target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.parse", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timing rounds per parser and file")
    parser.add_argument("--ours-number", type=int, default=20, help="our parses per round")
    parser.add_argument("--theirs-number", type=int, default=2, help="entsoe-py parses per round")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args(argv)
    host = report.machine()
    print(f"machine: {host}\nspeed (ours, entsoe-py, ratio):")
    rows = speed.run(FIXTURES, args.repeat, args.ours_number, args.theirs_number)
    print("memory:")
    memory_rows = memory.run()
    settings = (
        f"best of {args.repeat} rounds; {args.ours_number} parses per round for ours, "
        f"{args.theirs_number} for entsoe-py"
    )
    section = report.render(rows, memory_rows, settings, host)
    if not args.no_write:
        report.write_section(RESULTS, section)
        print(f"wrote the bench:parse section of {RESULTS}")
    largest = next(row for row in rows if row.name == speed.LARGEST)
    return 0 if largest.ratio >= speed.TARGET_RATIO else 1
