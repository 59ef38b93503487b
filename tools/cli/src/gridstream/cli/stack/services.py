"""The application processes of the stack: the ENTSO-E simulator and each installed service."""

import asyncio
import contextlib
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx
from pydantic import SecretStr

from gridstream.cli.errors import CliError
from gridstream.cli.stack.config import ADMIN_TOKEN_ENV, MIN_ADMIN_TOKEN, ServiceSpec, StackConfig
from gridstream.cli.stack.processes import Child

SIM_TOKENS_ENV = "ENTSOE_SIM_TOKENS"
_POLL_SECONDS = 0.2


def local_token(path: Path) -> str:
    """A token generated once per data directory (32 url-safe characters), kept private (0600).

    A stored token is reused unless it is shorter than the services accept (then replaced).
    """
    with contextlib.suppress(FileNotFoundError):
        token = path.read_text().strip()
        if len(token) >= MIN_ADMIN_TOKEN:
            return token
    token = secrets.token_urlsafe(24)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # The mode of open() applies only to a new file; an existing one may be readable by others.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(token + "\n")
    return token


def sim_url(config: StackConfig) -> str:
    """Base URL of the local simulator."""
    return f"http://{config.host}:{config.sim_port}"


def service_url(config: StackConfig, spec: ServiceSpec) -> str:
    """Base URL of a service's HTTP API."""
    return f"http://{config.host}:{config.service_ports[spec.name]}"


def sim_child(config: StackConfig, token: str) -> Child:
    """The simulator process; the token goes through the environment, not the command line."""
    argv = [sys.executable, "-m", "gridstream.entsoe_sim", "--host", config.host]
    argv += ["--port", str(config.sim_port), "--seed", "1"]
    env = {**os.environ, SIM_TOKENS_ENV: token, "PYTHONUNBUFFERED": "1"}
    return Child("entsoe-sim", argv, log_path=config.logs_dir / "entsoe-sim.log", env=env)


def service_child(
    config: StackConfig,
    spec: ServiceSpec,
    *,
    nats_url: str,
    database_url: str,
    entsoe: Mapping[str, str],
    admin_token: SecretStr,
) -> Child:
    """A service process configured through its environment (GRIDSTREAM_* and ENTSOE_*)."""
    env = {
        **os.environ,
        "GRIDSTREAM_NATS_URL": nats_url,
        "GRIDSTREAM_DATABASE_URL": database_url,
        "GRIDSTREAM_HTTP_HOST": config.host,
        "GRIDSTREAM_HTTP_PORT": str(config.service_ports[spec.name]),
        "PYTHONUNBUFFERED": "1",
        ADMIN_TOKEN_ENV: admin_token.get_secret_value(),
        **entsoe,
    }
    argv = [sys.executable, "-m", spec.module]
    return Child(spec.name, argv, log_path=config.logs_dir / f"{spec.name}.log", env=env)


async def wait_until_ready(child: Child, url: str) -> None:
    """Poll ``url`` until it answers 200; CliError with the log's last lines if the child exits."""
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            if child.returncode is not None:
                raise CliError(
                    f"{child.name} exited with code {child.returncode} while starting; "
                    f"last lines of {child.log_path}:\n{child.tail()}"
                )
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass  # not listening yet
            await asyncio.sleep(_POLL_SECONDS)
