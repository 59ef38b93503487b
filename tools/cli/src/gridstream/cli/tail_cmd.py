"""`gridstream tail [SUBJECT]`: print the events on a subject as JSON lines as they arrive."""

import argparse
import asyncio
import json
import sys
from typing import Any, TextIO

from gridstream.cli.defaults import default_nats_url
from gridstream.cli.errors import CliError, UsageError
from gridstream.cli.nats_client import Received, connected, following
from gridstream.contracts import EVT_PREFIX, stream_for_subject

DEFAULT_SUBJECT = f"{EVT_PREFIX}.>"
_INTERRUPTED = 130


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the `tail` command."""
    tail = subparsers.add_parser(
        "tail",
        help="print events as JSON lines as they arrive",
        description="Follow a subject with an ordered JetStream consumer until Ctrl-C.",
    )
    tail.add_argument(
        "subject",
        nargs="?",
        default=DEFAULT_SUBJECT,
        metavar="SUBJECT",
        help=f"subject, wildcards allowed (default {DEFAULT_SUBJECT})",
    )
    tail.add_argument("--from-start", action="store_true", help="replay what the stream holds")
    tail.add_argument("--count", type=int, default=None, help="stop after this many messages")
    tail.add_argument(
        "--nats", default=None, help="NATS URL (default: GRIDSTREAM_NATS_URL or up's)"
    )
    tail.set_defaults(handler=_tail)


def check_subject(subject: str) -> str:
    """The subject when one gridstream stream stores it; UsageError naming the choices otherwise."""
    try:
        stream_for_subject(subject)
    except ValueError:
        raise UsageError(
            f"SUBJECT: no gridstream stream stores {subject!r}; follow a subject under "
            "gridstream.evt.>, gridstream.cmd.> or gridstream.dlq.>"
        ) from None
    return subject


def json_line(received: Received) -> str:
    """One message as a JSON line: subject, stream sequence and the event (or its raw text)."""
    line: dict[str, Any] = {"subject": received.subject, "seq": received.stream_seq}
    try:
        line["event"] = json.loads(received.data)
    except ValueError:
        line["raw"] = received.data.decode(errors="replace")
    return json.dumps(line, separators=(",", ":"))


async def follow_subject(
    url: str, subject: str, *, from_start: bool, count: int | None, out: TextIO
) -> None:
    """Print each message on ``subject`` until ``count`` were printed (or forever)."""
    printed = 0
    async with (
        connected(url) as client,
        following(client, [subject], from_start=from_start) as queue,
    ):
        where = "from the start" if from_start else "from now"
        print(f"following {subject} on {url} {where} (Ctrl-C stops)", file=sys.stderr, flush=True)
        while count is None or printed < count:
            out.write(json_line(await queue.get()) + "\n")
            out.flush()
            printed += 1


def _tail(args: argparse.Namespace) -> int:
    try:
        if args.count is not None and args.count < 1:
            raise UsageError("--count: give at least 1")
        subject = check_subject(args.subject)
        url = args.nats or default_nats_url()
        asyncio.run(
            follow_subject(
                url, subject, from_start=args.from_start, count=args.count, out=sys.stdout
            )
        )
    except CliError as exc:
        print(f"gridstream tail: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 0
    return 0
