"""Alembic migrations run at start: the runtime's own (the outbox) then the service's, per schema.

No ``alembic.ini`` or ``env.py`` is needed: a service hands over its schema name and its
``migrations/versions`` folder (a path or a package name). Two linear histories are kept in the
service schema: ``gridstream_runtime_version`` for the runtime's tables (the outbox) and
``alembic_version`` for the service's own. A PostgreSQL advisory lock serialises replicas that
start together, and an up-to-date schema makes the whole run a no-op.
"""

from __future__ import annotations

import asyncio
import importlib.util
import zlib
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import RevisionStep
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from pydantic import SecretStr
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gridstream.runtime.database import check_schema_name, create_engine
from gridstream.runtime.errors import StartupError

RUNTIME_VERSIONS = Path(__file__).with_name("runtime_migrations")
RUNTIME_VERSION_TABLE = "gridstream_runtime_version"
SERVICE_VERSION_TABLE = "alembic_version"
_LOCK_POLL = 0.2


class MigrationError(StartupError, RuntimeError):
    """Migrations could not be found, locked or applied."""


@dataclass(frozen=True, slots=True)
class MigrationChain:
    """A folder of Alembic revisions and the version table that records them."""

    versions: Path
    version_table: str


def target_schema() -> str:
    """Inside a migration script: the schema being migrated (use as ``schema=`` in ``op`` calls)."""
    from alembic import op

    schema = op.get_context().version_table_schema
    if not schema:
        raise MigrationError("target_schema() is only available inside run_migrations()")
    return str(schema)


def resolve_versions(versions: Path | str) -> Path:
    """A versions folder from a path, or from a package name such as ``gridstream.x.migrations.versions``."""
    if isinstance(versions, Path):
        path = versions
    else:
        try:
            spec = importlib.util.find_spec(versions)
        except ModuleNotFoundError:
            spec = None  # a parent package is missing
        locations = list(spec.submodule_search_locations or []) if spec else []
        if not locations:
            raise MigrationError(f"migrations package {versions!r} not found")
        path = Path(locations[0])
    if not path.is_dir():
        raise MigrationError(f"migrations folder {str(path)!r} does not exist")
    return path


def lock_key(schema: str) -> int:
    """The advisory lock id guarding migrations of ``schema`` (stable across processes)."""
    return zlib.crc32(f"gridstream.migrate.{schema}".encode())


async def run_migrations(
    engine: AsyncEngine,
    schema: str,
    versions: Path | str | None = None,
    *,
    lock_timeout: float = 60.0,
) -> None:
    """Create ``schema`` if missing and upgrade the runtime's and the service's migrations to head."""
    check_schema_name(schema)
    chains = [MigrationChain(RUNTIME_VERSIONS, RUNTIME_VERSION_TABLE)]
    if versions is not None:
        chains.append(MigrationChain(resolve_versions(versions), SERVICE_VERSION_TABLE))
    try:
        async with engine.connect() as connection:
            await _acquire_lock(connection, schema, lock_timeout)
            try:
                await _upgrade_all(connection, schema, chains)
            finally:
                await _release_lock(connection, schema)
    except (SQLAlchemyError, CommandError, OSError) as exc:
        raise MigrationError(f"migrating schema {schema!r} failed: {_describe(exc)}") from exc


async def migrate_database(
    url: str | SecretStr, schema: str, versions: Path | str | None = None
) -> None:
    """Open a short-lived engine for ``url`` and run the migrations (for a ``migrate`` command)."""
    engine = create_engine(url, schema, pool_size=1, max_overflow=0)
    try:
        await run_migrations(engine, schema, versions)
    finally:
        await engine.dispose()


async def _acquire_lock(connection: AsyncConnection, schema: str, wait_for: float) -> None:
    """Wait for the schema's advisory lock by polling, so a stuck replica cannot block forever."""
    deadline = asyncio.get_running_loop().time() + wait_for
    query = text("SELECT pg_try_advisory_lock(:key)")
    while not (await connection.execute(query, {"key": lock_key(schema)})).scalar_one():
        await connection.commit()
        if asyncio.get_running_loop().time() > deadline:
            raise MigrationError(
                f"another process has held the migration lock of schema {schema!r} "
                f"for more than {wait_for}s"
            )
        await asyncio.sleep(_LOCK_POLL)
    await connection.commit()


async def _release_lock(connection: AsyncConnection, schema: str) -> None:
    try:
        await connection.rollback()
        await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(schema)})
        await connection.commit()
    except SQLAlchemyError:
        # A session lock dies with its connection: drop the connection rather than pool it.
        await connection.invalidate()


async def _upgrade_all(
    connection: AsyncConnection, schema: str, chains: list[MigrationChain]
) -> None:
    await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    await connection.commit()
    for chain in chains:
        # LOCAL: unqualified names in migrations land in the schema; the pooled session is untouched.
        await connection.execute(text(f'SET LOCAL search_path TO "{schema}", public'))
        await connection.run_sync(_upgrade_chain, chain, schema)
        await connection.commit()


def _upgrade_chain(connection: Connection, chain: MigrationChain, schema: str) -> None:
    """Alembic's ``upgrade heads`` for one chain, inside the caller's transaction."""
    config = Config()
    config.attributes["schema"] = schema
    script = ScriptDirectory(str(chain.versions), version_locations=[str(chain.versions)])

    def steps(revision: object, _context: object) -> list[RevisionStep]:
        return list(script._upgrade_revs("heads", revision))  # type: ignore[arg-type]

    with EnvironmentContext(config, script, fn=steps, destination_rev="heads") as environment:
        environment.configure(
            connection=connection,
            version_table=chain.version_table,
            version_table_schema=schema,
            transactional_ddl=True,
        )
        with environment.begin_transaction():
            environment.run_migrations()


def _describe(exc: BaseException) -> str:
    """A one-line reason; SQLAlchemy's statement dump (with parameters) is left out."""
    original = getattr(exc, "orig", None)
    message = str(original if original is not None else exc).strip().splitlines()
    return f"{type(original or exc).__name__}: {message[0] if message else ''}"
