"""`gridstream migrate` against a real PostgreSQL database."""

import asyncio

import pytest

from gridstream.cli.main import main
from gridstream.testing import free_port, pg_connection


async def _tables(url: str) -> set[str]:
    async with pg_connection(url) as connection:
        rows = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'collector'"
        )
    return {row["table_name"] for row in rows}


async def test_migrate_creates_the_collector_schema_and_is_repeatable(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRIDSTREAM_DATABASE_URL", database_url)
    assert await asyncio.to_thread(main, ["migrate", "--service", "collector"]) == 0
    tables = await _tables(database_url)
    assert {"alembic_version", "outbox", "series", "observations"} <= tables
    assert await asyncio.to_thread(main, ["migrate"]) == 0
    assert capsys.readouterr().out.count("schema 'collector' of collector is up to date") == 2


def test_migrate_needs_a_database_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GRIDSTREAM_DATABASE_URL", raising=False)
    assert main(["migrate"]) == 2
    assert "GRIDSTREAM_DATABASE_URL is not set" in capsys.readouterr().err
    monkeypatch.setenv("GRIDSTREAM_DATABASE_URL", "mysql://user:hunter2@db/x")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "is not a PostgreSQL URL" in err
    assert "hunter2" not in err


def test_migrate_reports_an_unreachable_database_without_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://gridstream:hunter2@127.0.0.1:{free_port()}/gridstream"
    monkeypatch.setenv("GRIDSTREAM_DATABASE_URL", url)
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert "migrating schema 'collector' failed" in err
    assert "hunter2" not in err
