"""`gridstream schedules list|show|add|pause|resume|trigger|delete|fires`: the scheduler's admin API.

Reads need nothing; writes carry the admin token (see service_api). `--json` prints the
scheduler's answer as JSON for scripts; otherwise tables and one-line confirmations.
"""

import argparse
import json
from http import HTTPStatus
from typing import Any, TextIO
from urllib.parse import quote

from gridstream.cli.schedules_body import create_body
from gridstream.cli.schedules_view import (
    fires_table,
    leader_text,
    schedule_details,
    schedules_table,
)
from gridstream.cli.service_api import (
    ServiceAnswerError,
    ServiceClient,
    ServiceCommand,
    service_command,
    url_variable,
)
from gridstream.contracts.commands import COMMANDS

_SCHEDULER = "scheduler"
_OVERLAP = ("skip", "allow", "buffer_one")
_COMMANDS = tuple(model.__name__ for model in COMMANDS)


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `schedules` and its subcommands."""
    where = f"the scheduler at {url_variable(_SCHEDULER)} (default: the one `gridstream up` runs)"
    parser = subparsers.add_parser(
        "schedules",
        help="list and manage schedules",
        description=f"Manage the schedules of {where}.",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    _simple(actions, "list", "list every schedule with its next and last fire", _list, named=False)
    _simple(actions, "show", "show one schedule", _show)
    _add_parser(actions)
    _simple(actions, "pause", "stop firing a schedule until resumed", _pause_or_resume("pause"))
    _simple(actions, "resume", "fire a paused schedule again", _pause_or_resume("resume"))
    _simple(actions, "trigger", "fire a schedule now", _trigger)
    _simple(actions, "delete", "delete a schedule", _delete)
    fires = _simple(actions, "fires", "a schedule's fires and their outcomes", _fires)
    fires.add_argument("--limit", type=int, help="at most this many fires (newest first)")


def _simple(
    actions: "argparse._SubParsersAction[argparse.ArgumentParser]",
    name: str,
    summary: str,
    action: ServiceCommand,
    *,
    named: bool = True,
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=summary, description=summary[0].upper() + summary[1:])
    if named:
        parser.add_argument("name", metavar="NAME", help="schedule name")
    parser.add_argument("--json", action="store_true", help="print the scheduler's JSON answer")
    parser.set_defaults(handler=service_command(_SCHEDULER, action))
    return parser


def _add_parser(actions: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    add = _simple(
        actions, "add", "create a schedule (--replace: create or replace)", _add, named=False
    )
    add.add_argument("name", metavar="NAME", nargs="?", help="schedule name (a subject token)")
    add.add_argument("--from-file", metavar="FILE", help="the create body as YAML or JSON")
    trigger = add.add_mutually_exclusive_group()
    trigger.add_argument("--cron", help="cron expression, e.g. '0 6 * * *'")
    trigger.add_argument("--every", metavar="DURATION", help="interval: 90, 90s, 15m, 4h, 1d")
    add.add_argument(
        "--timezone", metavar="ZONE", help="zone of --cron, e.g. Europe/Brussels (default UTC)"
    )
    add.add_argument(
        "--command-type", choices=_COMMANDS, metavar="TYPE", help=f"one of {', '.join(_COMMANDS)}"
    )
    add.add_argument(
        "--command",
        dest="command_json",
        metavar="JSON|@FILE",
        help="the command's fields as JSON, or @FILE (JSON or YAML)",
    )
    add.add_argument(
        "--misfire-grace",
        metavar="DURATION",
        help="fire a missed run this late at most (default 5m)",
    )
    add.add_argument(
        "--no-coalesce",
        action="store_true",
        help="fire each missed run within the grace (default: the latest only)",
    )
    add.add_argument("--overlap", choices=_OVERLAP, help="while a fire has no outcome (skip)")
    add.add_argument(
        "--jitter", metavar="DURATION", help="publish up to this much later, e.g. 30s (default 0)"
    )
    add.add_argument("--disabled", action="store_true", help="create it disabled")
    add.add_argument("--replace", action="store_true", help="replace a schedule of that name")


def _path(name: str, *rest: str) -> str:
    """/v1/schedules (name ""), or /v1/schedules/<name>[/<rest>...]."""
    return "/".join(["/v1/schedules", *([quote(name, safe="")] if name else []), *rest])


def _items(answer: Any, key: str) -> list[dict[str, Any]]:
    """A list answer, bare or wrapped as ``{key: [...]}``."""
    return list(answer[key] if isinstance(answer, dict) else answer)


def _print_json(out: TextIO, answer: Any) -> None:
    out.write(json.dumps(answer, indent=2) + "\n")


def _list(client: ServiceClient, args: argparse.Namespace, out: TextIO) -> None:
    schedules = _items(client.get("/v1/schedules"), "schedules")
    if args.json:
        _print_json(out, schedules)
        return
    out.write(schedules_table(schedules) if schedules else "no schedules\n")
    out.write(leader_text(client.get("/v1/leader")))


def _show(client: ServiceClient, args: argparse.Namespace, out: TextIO) -> None:
    schedule = client.get(_path(args.name))
    if args.json:
        _print_json(out, schedule)
    else:
        out.write(schedule_details(schedule))


def _add(client: ServiceClient, args: argparse.Namespace, out: TextIO) -> None:
    body = create_body(args)
    name = body["name"]
    try:
        answer = client.put(_path(name), body) if args.replace else client.post(_path(""), body)
    except ServiceAnswerError as exc:
        if exc.status == HTTPStatus.CONFLICT:
            raise ServiceAnswerError(f"{exc} (use --replace)", exc.status) from None
        raise
    if args.json:
        _print_json(out, answer)
        return
    done = "replaced" if args.replace else "added"
    out.write(f"{done} {body['name']}: next fire {_next_fire(answer)}\n")


def _next_fire(answer: Any) -> str:
    return str(answer.get("next_fire") or "-") if isinstance(answer, dict) else "-"


def _pause_or_resume(verb: str) -> ServiceCommand:
    def act(client: ServiceClient, args: argparse.Namespace, out: TextIO) -> None:
        answer = client.post(_path(args.name, verb))
        if args.json:
            _print_json(out, answer)
        elif verb == "pause":
            out.write(f"paused {args.name}\n")
        else:
            out.write(f"resumed {args.name}: next fire {_next_fire(answer)}\n")

    return act


def _trigger(client: ServiceClient, args: argparse.Namespace, out: TextIO) -> None:
    fire = client.post(_path(args.name, "trigger"))
    if args.json:
        _print_json(out, fire)
        return
    out.write(
        f"triggered {args.name}: fire {fire['fire_time']}, command {fire['command_id']} "
        f"on {fire['command_subject']}\n"
    )


def _delete(client: ServiceClient, args: argparse.Namespace, out: TextIO) -> None:
    answer = client.delete(_path(args.name))
    if args.json:
        _print_json(out, answer if answer is not None else {"deleted": args.name})
    else:
        out.write(f"deleted {args.name}\n")


def _fires(client: ServiceClient, args: argparse.Namespace, out: TextIO) -> None:
    params = {"limit": str(args.limit)} if args.limit else None
    fires = _items(client.get(_path(args.name, "fires"), params), "fires")
    if args.json:
        _print_json(out, fires)
    else:
        out.write(fires_table(fires) if fires else "no fires yet\n")
