"""The create body of `gridstream schedules add`: from its options, a YAML/JSON file, or both.

Options override the file's fields; a trigger option (--cron or --every) replaces the file's
trigger. Fields left out are left to the scheduler's defaults. The scheduler validates the body
(cron, zone, command contract); here only what the CLI itself reads is checked.
"""

import argparse
import json
import re
from pathlib import Path
from typing import Any

import yaml

from gridstream.cli.errors import UsageError

_DURATION = re.compile(r"(\d+)\s*([smhd]?)")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(option: str, text: str | None) -> int | None:
    """``90``, ``90s``, ``15m``, ``4h`` or ``1d`` as whole seconds; None when not given."""
    if text is None:
        return None
    found = _DURATION.fullmatch(text.strip().lower())
    if found is None:
        raise UsageError(f"{option}: {text!r} is not a duration (e.g. 90, 90s, 15m, 4h, 1d)")
    return int(found[1]) * _SECONDS[found[2]]


def create_body(args: argparse.Namespace) -> dict[str, Any]:
    """The POST/PUT body the options and --from-file describe; UsageError when incomplete."""
    body = _read_file(Path(args.from_file)) if args.from_file else {}
    if args.cron is not None:
        body.pop("every", None)
    if args.every is not None:
        body.pop("cron", None)
        body.pop("timezone", None)
    options = {
        "name": args.name,
        "cron": args.cron,
        "timezone": args.timezone,
        "every": duration_seconds("--every", args.every),
        "command_type": args.command_type,
        "command": _command(args.command_json),
        "misfire_grace_seconds": duration_seconds("--misfire-grace", args.misfire_grace),
        "coalesce": False if args.no_coalesce else None,
        "overlap": args.overlap,
        "jitter_seconds": duration_seconds("--jitter", args.jitter),
        "enabled": False if args.disabled else None,
    }
    body |= {key: value for key, value in options.items() if value is not None}
    if not body.get("name"):
        raise UsageError("give NAME (or a name in --from-file)")
    if not body.get("command_type"):
        raise UsageError("give --command-type (or --from-file with command_type)")
    return body


def _command(text: str | None) -> dict[str, Any] | None:
    """--command: inline JSON, or @FILE holding JSON or YAML."""
    if text is None:
        return None
    if text.startswith("@"):
        path = Path(text[1:])
        value = _load(path, _read(path))
    else:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--command is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise UsageError("--command must be a JSON object: the command's fields, no envelope")
    return value


def _read_file(path: Path) -> dict[str, Any]:
    value = _load(path, _read(path))
    if not isinstance(value, dict):
        raise UsageError(f"{path} must hold one mapping (the create body)")
    return value


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _load(path: Path, text: str) -> Any:
    """YAML, which also reads JSON."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML or JSON: {exc}") from None
