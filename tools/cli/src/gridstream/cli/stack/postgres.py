"""The local PostgreSQL: `pgserver` on a unix socket in its own data directory, stopped with pg_ctl."""

import importlib
import os
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridstream.cli.errors import CliError
from gridstream.cli.stack.processes import is_zombie, log_tail

POSTGRES_USER = "postgres"
_STOP_GRACE = 30.0


def _pgserver() -> Any:
    """Import pgserver; it warns at import when XDG_RUNTIME_DIR is unset, which is harmless here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        return importlib.import_module("pgserver")


@dataclass(frozen=True, slots=True)
class LocalPostgres:
    """A running pgserver instance: where its socket is and how to stop it."""

    pgdata: Path
    socket_dir: Path
    pid: int
    bin_dir: Path
    system_user: str | None

    @property
    def log_path(self) -> Path:
        """The server log pgserver writes."""
        return self.pgdata / "log"

    def url(self, database: str) -> str:
        """libpq URL of ``database`` over the unix socket (trust authentication, no password)."""
        return f"postgresql://{POSTGRES_USER}@/{database}?host={self.socket_dir}"

    def alive(self) -> bool:
        """True while the postmaster process exists (a zombie, already ended, counts as gone)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not is_zombie(self.pid)

    def stop(self) -> None:
        """Fast shutdown (disconnects sessions, checkpoints); waits until the server is down.

        When pg_ctl reports a failure while the server is already on its way down (it may have
        been signalled meanwhile), the server gets ``_STOP_GRACE`` seconds to finish; only a
        server still running after that is an error, which quotes pg_ctl's own words.
        """
        if not self.alive():
            return
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(self.pgdata), "-w", "-m", "fast", "stop"]
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
                user=self.system_user,
                timeout=60,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            deadline = time.monotonic() + _STOP_GRACE
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.2)
            if self.alive():
                said = " ".join(str(exc.stderr or exc.stdout or "").split())[-300:]
                raise CliError(f"PostgreSQL in {self.pgdata} did not stop: pg_ctl: {said}") from exc


def start_postgres(pgdata: Path) -> LocalPostgres:
    """Initialise ``pgdata`` on first use, start the server (or adopt a running one); blocking."""
    pgserver = _pgserver()
    try:
        # cleanup_mode=None: pgserver must not stop the server at exit; `up` stops it itself.
        server = pgserver.get_server(pgdata, cleanup_mode=None)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        raise CliError(
            f"PostgreSQL did not start ({type(exc).__name__}); last lines of "
            f"{pgdata / 'log'}:\n{log_tail(pgdata / 'log')}"
        ) from exc
    info = server.get_postmaster_info()
    return LocalPostgres(
        pgdata=Path(server.pgdata),
        socket_dir=Path(info.socket_dir),
        pid=int(info.pid),
        bin_dir=Path(pgserver.__file__).parent / "pginstall" / "bin",
        system_user=server.system_user,
    )


async def ensure_database(postgres: LocalPostgres, name: str) -> str:
    """Create database ``name`` when missing; its URL."""
    asyncpg = importlib.import_module("asyncpg")  # untyped package: keep it Any
    try:
        connection = await asyncpg.connect(postgres.url("postgres"), timeout=10)
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
    except (OSError, asyncpg.PostgresError) as exc:
        raise CliError(
            f"cannot prepare database {name!r} in {postgres.pgdata}: {type(exc).__name__}: {exc}"
        ) from exc
    return postgres.url(name)
