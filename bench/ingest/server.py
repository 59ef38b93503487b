"""The PostgreSQL server the benchmark runs on: a fresh embedded one, or one named by the environment."""

import importlib
import os
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gridstream.testing.urls import asyncpg_dsn, with_database

ENV_URL = "GRIDSTREAM_BENCH_DATABASE_URL"
# Settings that decide what a write costs; reported next to the numbers.
SETTINGS = (
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "wal_level",
    "shared_buffers",
    "max_wal_size",
    "checkpoint_timeout",
    "work_mem",
    "jit",
)


@dataclass(frozen=True)
class Server:
    """Where to connect (libpq URL of a maintenance database) and how to describe the server."""

    admin_dsn: str
    origin: str


def _import_pgserver() -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        return importlib.import_module("pgserver")


@contextmanager
def bench_server(url: str | None = None) -> Iterator[Server]:
    """The server at `url` (or $GRIDSTREAM_BENCH_DATABASE_URL), else an embedded pgserver.

    Unlike the test harness's EmbeddedPostgres, the embedded server keeps PostgreSQL's default
    durability settings (fsync and synchronous_commit on): a benchmark of writes must pay for them.
    """
    url = url or os.environ.get(ENV_URL)
    if url:
        parts = urlsplit(url)
        # Only host, port and database: the URL may carry a password.
        where = f"{parts.hostname or 'local socket'}:{parts.port or 5432}{parts.path}"
        yield Server(asyncpg_dsn(url), f"external server from ${ENV_URL} ({where})")
        return
    pgserver = _import_pgserver()
    with tempfile.TemporaryDirectory(prefix="gridstream-bench-") as folder:
        server = pgserver.get_server(Path(folder) / "pgdata", cleanup_mode="delete")
        try:
            yield Server(
                asyncpg_dsn(server.get_uri()), "embedded pgserver in a temporary directory"
            )
        finally:
            server.cleanup()


@asynccontextmanager
async def fresh_database(admin_dsn: str) -> AsyncIterator[str]:
    """Create an empty database for one run; yield its libpq URL; drop it afterwards."""
    asyncpg = importlib.import_module("asyncpg")  # untyped package: keep it Any
    name = f"bench_ingest_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(admin_dsn, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def describe(connection: Any) -> tuple[str, dict[str, str]]:
    """The server's version string and the settings in SETTINGS, as it reports them."""
    version = str(await connection.fetchval("SHOW server_version"))
    settings = {name: str(await connection.fetchval(f"SHOW {name}")) for name in SETTINGS}
    return version, settings
