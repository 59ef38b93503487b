"""PostgreSQL servers for tests: embedded ``pgserver`` (restartable) or external, plus per-test databases."""

from __future__ import annotations

import asyncio
import atexit
import functools
import importlib
import subprocess
import uuid
import warnings
from pathlib import Path
from typing import Any, Protocol

import pytest

from gridstream.testing.aio import run_sync
from gridstream.testing.urls import asyncpg_dsn, with_database


class PostgresServer(Protocol):
    """What a test gets from the ``postgres_server`` fixture."""

    @property
    def admin_dsn(self) -> str:
        """libpq URL of the server's maintenance database (``postgres``)."""
        ...

    @property
    def external(self) -> bool:
        """True when the server is shared (env or Docker) and cannot be stopped by the test."""
        ...

    def stop(self) -> None:
        """Stop the server; open connections break."""
        ...

    def start(self) -> None:
        """Start the server again with the same data and address."""
        ...

    def restart(self) -> None:
        """Stop then start."""
        ...

    def ensure_running(self) -> None:
        """Start the server if a test left it stopped."""
        ...


class ExternalPostgres:
    """A shared server given by URL (env or Docker)."""

    external = True

    def __init__(self, dsn: str):
        self._dsn = asyncpg_dsn(dsn)

    @property
    def admin_dsn(self) -> str:
        """libpq URL of the shared server."""
        return self._dsn

    def stop(self) -> None:
        """Skip the test: a shared server cannot be stopped."""
        pytest.skip(
            "stopping PostgreSQL needs the embedded server (unset GRIDSTREAM_TEST_DATABASE_URL)"
        )

    def start(self) -> None:
        """Skip the test: a shared server cannot be restarted."""
        self.stop()

    def restart(self) -> None:
        """Skip the test: a shared server cannot be restarted."""
        self.stop()

    def ensure_running(self) -> None:
        """A shared server is never stopped by tests."""

    def close(self) -> None:
        """Nothing to release."""


def _import_pgserver() -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver
    return pgserver


# A throwaway test server needs no crash safety; this makes CREATE DATABASE and commits faster.
# Data still survives a clean stop/start.
_NO_DURABILITY = (
    "ALTER SYSTEM SET fsync = off",
    "ALTER SYSTEM SET synchronous_commit = off",
    "ALTER SYSTEM SET full_page_writes = off",
    "SELECT pg_reload_conf()",
)


class EmbeddedPostgres:
    """A ``pgserver`` instance in its own directory, on a unix socket, stoppable with ``pg_ctl``."""

    external = False

    def __init__(self, root: Path):
        self.pgdata = root / "pgdata"
        pgserver = _import_pgserver()
        self._bin = Path(pgserver.__file__).parent / "pginstall" / "bin"
        self._server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        info = self._server.get_postmaster_info()
        self._socket_dir: Path | None = info.socket_dir
        self._dsn = asyncpg_dsn(self._server.get_uri())
        self._user: str | None = self._server.system_user
        for statement in _NO_DURABILITY:
            run_sync(functools.partial(_execute, self._dsn, statement))

    @property
    def admin_dsn(self) -> str:
        """libpq URL (unix socket) of the ``postgres`` database."""
        return self._dsn

    def _pg_ctl(self, *args: str) -> None:
        command = [str(self._bin / "pg_ctl"), "-D", str(self.pgdata), *args]
        subprocess.run(
            command,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user=self._user,
            timeout=60,
        )

    def running(self) -> bool:
        """True when ``pg_ctl status`` finds the postmaster alive."""
        try:
            self._pg_ctl("status")
        except subprocess.CalledProcessError:
            return False
        return True

    def stop(self) -> None:
        """Stop the server (fast shutdown, waits until it is down)."""
        self._pg_ctl("-w", "-m", "fast", "stop")

    def start(self) -> None:
        """Start the server on the same socket dir; waits until it accepts connections."""
        options = ["-o", '-h ""']
        if self._socket_dir is not None:
            options += ["-o", f"-k {self._socket_dir}"]
        self._pg_ctl("-w", *options, "-l", str(self.pgdata / "log"), "start")

    def restart(self) -> None:
        """Stop then start."""
        self.stop()
        self.start()

    def ensure_running(self) -> None:
        """Start the server if a test left it stopped."""
        if not self.running():
            self.start()

    def close(self) -> None:
        """Stop the server for good and release pgserver's handle."""
        if self.running():
            self.stop()
        # pgserver would otherwise try to stop its first postmaster again (it may be a zombie
        # after a restart, which it waits for and kills); only let it drop its bookkeeping.
        self._server._postmaster_info = None
        self._server.cleanup()
        atexit.unregister(self._server._cleanup)


async def _execute(dsn: str, statement: str) -> None:
    asyncpg = importlib.import_module("asyncpg")  # untyped package: keep it Any

    for attempt in range(20):
        connection = await asyncpg.connect(asyncpg_dsn(dsn), timeout=10)
        try:
            await connection.execute(statement)
            return
        except asyncpg.ObjectInUseError:
            # CREATE DATABASE fails while another session uses template1; it is brief.
            if attempt == 19:
                raise
        finally:
            await connection.close()
        await asyncio.sleep(0.1)


def create_database(admin_dsn: str) -> tuple[str, str]:
    """Create an empty database ``t_<uuid hex>``; return its name and libpq URL."""
    name = f"t_{uuid.uuid4().hex}"
    run_sync(lambda: _execute(admin_dsn, f'CREATE DATABASE "{name}"'))
    return name, with_database(asyncpg_dsn(admin_dsn), name)


def drop_database(admin_dsn: str, name: str) -> None:
    """Drop database ``name``, disconnecting its sessions."""
    run_sync(lambda: _execute(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
