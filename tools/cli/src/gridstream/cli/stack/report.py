"""What `gridstream up` tells the user: where everything is, and how to use and stop it."""

import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from gridstream.cli.defaults import NATS_PORT
from gridstream.cli.stack.config import ADMIN_TOKEN_ENV, DATA_DIR_ENV, DEFAULT_DATA_DIR, StackConfig


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Addresses of the running stack."""

    nats_url: str
    database_url: str
    entsoe_url: str
    simulator_url: str | None
    services: dict[str, str] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


_SERVICE_API = {"collector": "/v1/series", "scheduler": "/v1/schedules"}
"""Each service's main read endpoint, shown in the banner."""


def banner(
    config: StackConfig, endpoints: Endpoints, pid: int, admin_token: SecretStr | None = None
) -> str:
    """The block printed once everything is ready (the admin token included: it is the user's)."""
    nats_flag = "" if config.nats_port == NATS_PORT else f" --nats {endpoints.nats_url}"
    source = (
        f"local simulator {endpoints.simulator_url} (a generated local token)"
        if endpoints.simulator_url
        else f"{endpoints.entsoe_url} (ENTSOE_API_TOKEN is set)"
    )
    lines = [
        f"gridstream is up (data in {_relative(config.data_dir)})",
        f"  NATS JetStream   {endpoints.nats_url}  store {_relative(config.nats_dir)}",
        f"  PostgreSQL       {endpoints.database_url}  data {_relative(config.pgdata)}",
        f"  ENTSO-E API      {source}",
    ]
    for name, url in endpoints.services.items():
        api = _SERVICE_API.get(name, "")
        lines.append(f"  {name:<16} {url}  (/readyz, /metrics{', ' + api if api else ''})")
    if admin_token is not None:
        where = (
            f"from {ADMIN_TOKEN_ENV}"
            if config.admin_token is not None
            else f"kept in {_relative(config.admin_token_file)}"
        )
        token = admin_token.get_secret_value()
        lines.append(f"  admin token      {token}  ({where}; the CLI finds it there)")
    lines += [f"  logs             {_relative(config.logs_dir)}/<name>.log:"]
    lines += [
        f"                     {name}: {_relative(path)}" for name, path in endpoints.logs.items()
    ]
    if config.missing:
        lines.append(f"still to come (not in this build yet): {', '.join(config.missing)}")
    lines += [
        "try:",
        f"  gridstream collect DE_LU day_ahead_price --wait{nats_flag}",
        "  gridstream backfill DE_LU actual_load --start 2024-01-01T00:00Z "
        f"--end 2024-03-01T00:00Z --wait{nats_flag}",
        f"  gridstream tail{nats_flag}",
        f"  {_api_prefix(config)}gridstream latest    # newest point of every series",
        f"  {_api_prefix(config)}gridstream schedules list",
        f"stop: Ctrl-C (or kill -TERM {pid}); data stays in {_relative(config.data_dir)}",
    ]
    return "\n".join(lines)


def _api_prefix(config: StackConfig) -> str:
    """How the CLI finds a non-default data directory (its stack.json and admin token)."""
    if config.data_dir == DEFAULT_DATA_DIR.resolve():
        return ""
    return f"{DATA_DIR_ENV}={_relative(config.data_dir)} "


def death_report(name: str, code: int | None, log: Path, tail: str) -> str:
    """Why the stack is stopping when one of its processes ended on its own."""
    if code is None:
        status = "died"
    elif code < 0:
        status = f"was killed by {signal.Signals(-code).name}"
    else:
        status = f"exited with code {code}"
    return f"{name} {status}; stopping the stack. Last lines of {_relative(log)}:\n{tail}"
