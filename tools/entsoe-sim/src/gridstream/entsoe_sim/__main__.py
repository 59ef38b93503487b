"""Run the simulator: python -m gridstream.entsoe_sim --port 8089 --seed 1 --token TOKEN [...]."""

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from gridstream.contracts import UtcDatetime
from gridstream.entsoe_sim.app import build_app
from gridstream.entsoe_sim.clock import Clock, ManualClock
from gridstream.entsoe_sim.config import SimConfig
from gridstream.entsoe_sim.errors import SimConfigError
from gridstream.entsoe_sim.fault_models import FaultSpec

TOKENS_ENV = "ENTSOE_SIM_TOKENS"
ADMIN_TOKEN_ENV = "ENTSOE_SIM_ADMIN_TOKEN"  # noqa: S105 - a variable name, not a secret
_SECRET_IN_QUERY = re.compile(r"(securityToken=)[^&\s\"]*", re.IGNORECASE)


class RedactTokens(logging.Filter):
    """Blank out securityToken values in access-log lines (tokens never reach the logs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's arguments in place; always keep the record."""
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_IN_QUERY.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m gridstream.entsoe_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        help=f"accepted token (repeatable; or {TOKENS_ENV}=a,b)",
    )
    parser.add_argument(
        "--admin-token", default=None, help=f"bearer token for /admin (or {ADMIN_TOKEN_ENV})"
    )
    parser.add_argument(
        "--history-start", default=None, help="no data before this ISO 8601 instant"
    )
    parser.add_argument("--rate-limit", type=int, default=400, help="requests per minute per token")
    parser.add_argument("--rate-ban-seconds", type=float, default=0.0, help="ban after going over")
    parser.add_argument("--faults", type=Path, default=None, help="JSON file with a list of faults")
    parser.add_argument("--now", default=None, help="freeze the clock at this ISO 8601 instant")
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> tuple[SimConfig, Clock | None]:
    """SimConfig (and a manual clock when --now is given) from the command line and environment."""
    tokens = list(args.token) + [t for t in os.environ.get(TOKENS_ENV, "").split(",") if t]
    if not tokens:
        raise SimConfigError(f"give at least one --token (or set {TOKENS_ENV})")
    faults: list[FaultSpec] = []
    try:
        if args.faults is not None:
            faults = TypeAdapter(list[FaultSpec]).validate_json(args.faults.read_bytes())
        options: dict[str, object] = {
            "seed": args.seed,
            "tokens": tokens,
            "admin_token": args.admin_token or os.environ.get(ADMIN_TOKEN_ENV) or None,
            "rate_limit_per_minute": args.rate_limit,
            "rate_limit_ban_seconds": args.rate_ban_seconds,
            "faults": faults,
        }
        if args.history_start:
            options["history_start"] = args.history_start
        config = SimConfig.model_validate(options)
        clock = ManualClock(_instant(args.now)) if args.now else None
    except (ValidationError, OSError, json.JSONDecodeError) as exc:
        raise SimConfigError(str(exc)) from exc
    return config, clock


def _instant(text: str) -> datetime:
    return TypeAdapter(UtcDatetime).validate_python(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse options, build the app and serve it until interrupted."""
    import uvicorn

    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config, clock = config_from(args)
    except SimConfigError as exc:
        print(f"entsoe-sim: {exc}", file=sys.stderr)
        return 2
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
    uvicorn.run(
        build_app(config, clock=clock),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        # Hanging-response faults would otherwise hold Ctrl-C up until their clients give up.
        timeout_graceful_shutdown=5,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
