"""The database fixtures give each test a fresh database on a real PostgreSQL server."""

from __future__ import annotations

import pytest

from gridstream.testing import PostgresServer, asyncpg_dsn, pg_connection, wait_until


@pytest.mark.parametrize("run", [1, 2])
async def test_tables_do_not_leak_between_tests(database_url: str, run: int) -> None:
    assert database_url.startswith("postgresql+asyncpg://")
    async with pg_connection(database_url) as connection:
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert tables == []
        await connection.execute("CREATE TABLE leak (run int)")
        await connection.execute("INSERT INTO leak VALUES ($1)", run)


async def test_dsn_and_url_name_the_same_fresh_database(
    database_dsn: str, database_url: str
) -> None:
    assert asyncpg_dsn(database_url) == database_dsn
    async with pg_connection(database_dsn) as connection:
        name = await connection.fetchval("SELECT current_database()")
    assert database_dsn.split("?", maxsplit=1)[0].endswith("/" + name)
    assert name.startswith("t_")


async def test_database_survives_server_restart(
    postgres_server: PostgresServer, database_dsn: str
) -> None:
    if postgres_server.external:
        pytest.skip("needs the embedded server")
    async with pg_connection(database_dsn) as connection:
        await connection.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)")

    postgres_server.stop()
    with pytest.raises((FileNotFoundError, ConnectionRefusedError)):
        async with pg_connection(database_dsn, connect_timeout=2):
            pass
    postgres_server.start()

    async def reachable() -> bool:
        async with pg_connection(database_dsn) as connection:
            return bool(await connection.fetchval("SELECT id FROM kept") == 7)

    await wait_until(reachable, timeout=10, description="database back with its rows")


def test_external_server_cannot_be_stopped(postgres_server: PostgresServer) -> None:
    if not postgres_server.external:
        pytest.skip("only for external servers")
    with pytest.raises(pytest.skip.Exception):
        postgres_server.stop()
