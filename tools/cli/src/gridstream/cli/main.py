"""The `gridstream` command line: composes the commands each package offers."""

import argparse
import sys
from collections.abc import Sequence

from gridstream.cli import (
    commands_cmd,
    contracts_cmd,
    migrate_cmd,
    read_cmd,
    schedules_cmd,
    tail_cmd,
    up_cmd,
)
from gridstream.collector.entsoe import cli as entsoe_cli


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="gridstream",
        description="Collect, check and stream ENTSO-E power-system data.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    up_cmd.register(subparsers)
    commands_cmd.register(subparsers)
    tail_cmd.register(subparsers)
    read_cmd.register(subparsers)
    schedules_cmd.register(subparsers)
    migrate_cmd.register(subparsers)
    contracts_cmd.register(subparsers)
    entsoe_cli.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
