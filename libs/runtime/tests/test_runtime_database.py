"""Database wiring against a real PostgreSQL: schema search path, readiness, reconnect after restart."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gridstream.runtime.database import (
    DatabaseError,
    check_database,
    check_schema_name,
    create_engine,
    session_maker,
)
from gridstream.testing import PostgresServer, free_port, wait_until


async def test_connections_use_the_service_schema(database_url: str) -> None:
    engine = create_engine(database_url, "svc_a")
    try:
        async with session_maker(engine)() as session, session.begin():
            await session.execute(text("CREATE SCHEMA svc_a"))
            await session.execute(text("CREATE TABLE things (id int)"))
        async with engine.connect() as connection:
            path = (await connection.execute(text("SHOW search_path"))).scalar_one()
            where = await connection.execute(
                text("SELECT table_schema FROM information_schema.tables WHERE table_name='things'")
            )
            assert where.scalar_one() == "svc_a"
        assert path == '"svc_a", public'
    finally:
        await engine.dispose()


async def test_plain_postgresql_url_is_accepted(database_url: str) -> None:
    plain = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    engine = create_engine(plain, "svc_b")
    try:
        await check_database(engine)
    finally:
        await engine.dispose()


async def test_reconnects_after_database_restart(
    database_url: str, postgres_server: PostgresServer
) -> None:
    if postgres_server.external:
        pytest.skip("restarting PostgreSQL needs the embedded server")
    engine = create_engine(database_url, "svc_c")
    try:
        await check_database(engine)  # a pooled connection now exists
        postgres_server.restart()
        await check_database(engine, timeout=10)  # pre-ping replaced the dead connection
    finally:
        await engine.dispose()


async def test_unreachable_database_fails_without_secrets() -> None:
    url = f"postgresql+asyncpg://app:hidden-pw-123@127.0.0.1:{free_port()}/nothing"
    engine = create_engine(url, "svc_d", connect_timeout=2)
    try:
        with pytest.raises(DatabaseError) as caught:
            await check_database(engine, timeout=3)
    finally:
        await engine.dispose()
    assert "hidden-pw-123" not in str(caught.value)
    assert "127.0.0.1" not in str(caught.value)


def test_schema_names_are_checked() -> None:
    assert check_schema_name("collector") == "collector"
    for bad in ("Collector", "1abc", 'x"; drop', "", "a" * 64):
        with pytest.raises(DatabaseError, match="schema name"):
            check_schema_name(bad)


async def test_pooled_connections_carry_stale_connection_settings(database_url: str) -> None:
    engine = create_engine(database_url, "svc_e")
    try:
        async with engine.connect() as connection:
            idle = await connection.execute(text("SHOW idle_in_transaction_session_timeout"))
            assert idle.scalar_one() == "1min"
            rows = await connection.execute(
                text(
                    "SELECT name, setting, source FROM pg_settings WHERE name IN "
                    "('tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count')"
                )
            )
            settings = {row.name: row for row in rows}
            tcp = await connection.execute(text("SELECT inet_server_addr() IS NOT NULL"))
            over_tcp = tcp.scalar_one()
    finally:
        await engine.dispose()
    # Set by this client; a unix socket has no keepalives, so PostgreSQL reports 0 there.
    assert {name: row.source for name, row in settings.items()} == {
        "tcp_keepalives_idle": "client",
        "tcp_keepalives_interval": "client",
        "tcp_keepalives_count": "client",
    }
    if over_tcp:
        assert settings["tcp_keepalives_idle"].setting == "30"
        assert settings["tcp_keepalives_interval"].setting == "10"
        assert settings["tcp_keepalives_count"].setting == "3"


async def test_transaction_left_idle_is_terminated_by_the_server(database_url: str) -> None:
    engine = create_engine(database_url, "svc_f", idle_in_transaction_timeout=0.5)
    watcher = create_engine(database_url, "svc_f")
    try:
        async with engine.connect() as connection:
            await connection.begin()
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()

            async def terminated() -> bool:
                async with watcher.connect() as other:
                    found = await other.execute(
                        text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                        {"pid": pid},
                    )
                    return bool(found.scalar_one() == 0)

            await wait_until(terminated, timeout=20, description="idle transaction terminated")
            with pytest.raises(DBAPIError):
                await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
        await watcher.dispose()
