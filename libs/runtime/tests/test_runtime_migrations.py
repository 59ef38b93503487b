"""Migrations against a real PostgreSQL: schema and outbox created, service revisions, idempotent, locked."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gridstream.runtime.database import create_engine
from gridstream.runtime.migrations import (
    RUNTIME_VERSION_TABLE,
    MigrationError,
    lock_key,
    migrate_database,
    run_migrations,
)
from gridstream.testing import pg_connection

WIDGETS_0001 = '''
"""Test revision 0001: widgets."""
import sqlalchemy as sa
from alembic import op
from gridstream.runtime.migrations import target_schema

revision = "widgets_0001"
down_revision = None

def upgrade() -> None:
    op.create_table("widgets", sa.Column("id", sa.Integer, primary_key=True), schema=target_schema())

def downgrade() -> None:
    op.drop_table("widgets", schema=target_schema())
'''

WIDGETS_0002 = '''
"""Test revision 0002: a widget name, added unqualified (the search path picks the schema)."""
import sqlalchemy as sa
from alembic import op

revision = "widgets_0002"
down_revision = "widgets_0001"

def upgrade() -> None:
    op.add_column("widgets", sa.Column("name", sa.Text))

def downgrade() -> None:
    op.drop_column("widgets", "name")
'''

BROKEN = '''
"""A revision that fails half-way."""
from alembic import op

revision = "broken_0001"
down_revision = None

def upgrade() -> None:
    op.execute("CREATE TABLE half_done (id int)")
    op.execute("SELECT * FROM no_such_table")

def downgrade() -> None:
    pass
'''


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, "collector")
    yield engine
    await engine.dispose()


async def _tables(engine: AsyncEngine, schema: str) -> set[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
            {"s": schema},
        )
        return {row[0] for row in rows}


async def _versions(engine: AsyncEngine, table: str) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(text(f"SELECT version_num FROM collector.{table}"))
        return [row[0] for row in rows]


def _write(folder: Path, name: str, source: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(source, encoding="utf-8")


async def test_creates_schema_outbox_and_version_table(engine: AsyncEngine) -> None:
    await run_migrations(engine, "collector")

    assert await _tables(engine, "collector") == {
        "outbox",
        "inbox",
        "leases",
        RUNTIME_VERSION_TABLE,
    }
    assert await _versions(engine, RUNTIME_VERSION_TABLE) == ["gridstream_runtime_0005"]
    assert not await _tables(engine, "public")


async def test_running_twice_is_a_no_op(engine: AsyncEngine) -> None:
    await run_migrations(engine, "collector")
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO outbox (event_id, subject, payload) VALUES (:e, 's', 'x')"),
            {"e": uuid.uuid4()},
        )

    await run_migrations(engine, "collector")

    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 1
    assert await _versions(engine, RUNTIME_VERSION_TABLE) == ["gridstream_runtime_0005"]


async def test_concurrent_runs_both_succeed(database_url: str) -> None:
    engines = [create_engine(database_url, "collector") for _ in range(3)]
    try:
        await asyncio.gather(*(run_migrations(e, "collector") for e in engines))
        assert await _tables(engines[0], "collector") == {
            "outbox",
            "inbox",
            "leases",
            RUNTIME_VERSION_TABLE,
        }
        assert await _versions(engines[0], RUNTIME_VERSION_TABLE) == ["gridstream_runtime_0005"]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_service_revisions_from_a_folder(engine: AsyncEngine, tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    _write(versions, "widgets_0001.py", WIDGETS_0001)
    await run_migrations(engine, "collector", versions)
    assert "widgets" in await _tables(engine, "collector")
    assert await _versions(engine, "alembic_version") == ["widgets_0001"]

    _write(versions, "widgets_0002.py", WIDGETS_0002)
    await run_migrations(engine, "collector", versions)
    await run_migrations(engine, "collector", versions)

    assert await _versions(engine, "alembic_version") == ["widgets_0002"]
    async with engine.connect() as connection:
        columns = await connection.execute(
            text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'collector' AND table_name = 'widgets'"
            )
        )
        assert {row[0] for row in columns} == {"id", "name"}


async def test_service_revisions_from_a_package(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = f"gs_migtest_{uuid.uuid4().hex[:8]}"
    _write(tmp_path / package / "migrations" / "versions", "widgets_0001.py", WIDGETS_0001)
    monkeypatch.syspath_prepend(str(tmp_path))

    await migrate_database(database_url, "collector", f"{package}.migrations.versions")

    engine = create_engine(database_url, "collector")
    try:
        assert "widgets" in await _tables(engine, "collector")
    finally:
        await engine.dispose()


async def test_failed_migration_changes_nothing_and_releases_the_lock(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    versions = tmp_path / "versions"
    _write(versions, "broken_0001.py", BROKEN)

    with pytest.raises(
        MigrationError, match=r"migrating schema 'collector' failed: .*no_such_table"
    ):
        await run_migrations(engine, "collector", versions)

    tables = await _tables(engine, "collector")
    assert "half_done" not in tables
    assert "alembic_version" not in tables
    await run_migrations(engine, "collector", lock_timeout=1)  # the lock was released


async def test_waiting_for_the_lock_has_a_deadline(engine: AsyncEngine, database_url: str) -> None:
    async with pg_connection(database_url) as holder:
        await holder.execute("SELECT pg_advisory_lock($1)", lock_key("collector"))
        with pytest.raises(MigrationError, match="held the migration lock"):
            await run_migrations(engine, "collector", lock_timeout=0.5)


async def test_missing_versions_are_reported(engine: AsyncEngine, tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="does not exist"):
        await run_migrations(engine, "collector", tmp_path / "nope")
    with pytest.raises(MigrationError, match="not found"):
        await run_migrations(engine, "collector", "gs_no_such_package_xyz.versions")
