"""`gridstream collect` and `gridstream backfill`: publish a command, optionally wait for its outcome."""

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import get_args

from gridstream.cli.defaults import default_nats_url
from gridstream.cli.errors import CliError
from gridstream.cli.follow import Printer, Watch, wait_for_outcome
from gridstream.cli.nats_client import connected, following, publish_command
from gridstream.cli.requests import CommandInput, backfill_request, collection_request
from gridstream.cli.watching import BackfillWatch, CollectionWatch
from gridstream.contracts import CollectionReason, Message

# How long a backfill whose known jobs are all done waits for one more job of the same command.
_INTERRUPTED = 130


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the `collect` and `backfill` commands."""
    collect = subparsers.add_parser(
        "collect",
        help="ask the collector to fetch one series family",
        description="Publish CollectionRequested; without --start/--end the latest data is fetched.",
    )
    _family_arguments(collect)
    collect.add_argument("--start", help="window start, ISO 8601 with timezone (e.g. 2024-01-01Z)")
    collect.add_argument("--end", help="window end (exclusive), ISO 8601 with timezone")
    collect.add_argument(
        "--reason", choices=get_args(CollectionReason), help="why (default: manual)"
    )
    _delivery_arguments(collect, timeout=600.0)
    collect.set_defaults(handler=_collect)

    backfill = subparsers.add_parser(
        "backfill",
        help="ask the collector to fill a range, chunk by chunk",
        description="Publish BackfillRequested; with --wait, show progress until it completes.",
    )
    _family_arguments(backfill)
    backfill.add_argument("--start", required=True, help="range start, ISO 8601 with timezone")
    backfill.add_argument("--end", required=True, help="range end (exclusive), ISO 8601")
    _delivery_arguments(backfill, timeout=None)
    backfill.set_defaults(handler=_backfill)


def _family_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("area", metavar="AREA", help="area code or EIC (see `gridstream areas`)")
    parser.add_argument(
        "data_type", metavar="DATA_TYPE", help="data type (see `gridstream datatypes`)"
    )
    parser.add_argument("--to-area", help="receiving area of a crossborder_flow")


def _delivery_arguments(parser: argparse.ArgumentParser, *, timeout: float | None) -> None:
    parser.add_argument(
        "--nats",
        default=None,
        help="NATS URL (default: GRIDSTREAM_NATS_URL, else the one `gridstream up` starts)",
    )
    parser.add_argument("--wait", action="store_true", help="follow the outcome; exit 0 if done")
    parser.add_argument(
        "--timeout",
        type=float,
        default=timeout,
        help="seconds --wait waits for the outcome"
        + (f" (default {timeout:g})" if timeout else " (default: no limit)"),
    )


def _input(args: argparse.Namespace) -> CommandInput:
    return CommandInput(
        area=args.area,
        data_type=args.data_type,
        start=args.start,
        end=args.end,
        to_area=args.to_area,
        reason=getattr(args, "reason", None),
    )


def _collect(args: argparse.Namespace) -> int:
    return run_command(args, lambda: CollectionWatch(collection_request(_input(args))))


def _backfill(args: argparse.Namespace) -> int:
    return run_command(args, lambda: BackfillWatch(backfill_request(_input(args))))


def run_command(args: argparse.Namespace, build: Callable[[], Watch]) -> int:
    """Validate (exit 2 on bad input, nothing published), publish, and wait when asked."""
    try:
        watch = build()
        return asyncio.run(_send(watch, args.nats or default_nats_url(), args.wait, args.timeout))
    except CliError as exc:
        print(f"gridstream {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\nstopped waiting; the command stays queued or running", file=sys.stderr)
        return _INTERRUPTED


async def _send(watch: Watch, url: str, wait: bool, limit: float | None) -> int:
    command = watch.command
    async with connected(url) as client:
        if not wait:
            await publish_command(client, command)
            _announce(command)
            return 0
        # Follow before publishing, so that even an instant outcome is seen.
        async with following(client, watch.subjects()) as queue:
            await publish_command(client, command)
            _announce(command)
            printer = Printer(sys.stdout)
            return await wait_for_outcome(queue, watch, printer, timeout=limit)


def _announce(command: Message) -> None:
    """The command id on stdout (for scripts), what was published on stderr."""
    print(f"published {type(command).__name__} on {command.subject()}", file=sys.stderr)
    print(command.event_id, flush=True)
