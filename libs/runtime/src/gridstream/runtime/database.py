"""Database wiring: one async engine per service schema, its session maker and a readiness check."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from gridstream.runtime.errors import StartupError

_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class DatabaseError(StartupError, RuntimeError):
    """The database is misconfigured or unreachable (the message never holds the URL)."""


def check_schema_name(schema: str) -> str:
    """Return ``schema`` when it is a plain lower-case SQL identifier; raise DatabaseError otherwise."""
    if not _SCHEMA.fullmatch(schema):
        raise DatabaseError(
            f"schema name {schema!r} is not allowed: use 1-63 lower-case letters, digits or '_', "
            "not starting with a digit"
        )
    return schema


@dataclass(frozen=True)
class TcpKeepalives:
    """Server-side TCP keepalives (seconds idle, seconds between probes, probes before giving up).

    asyncpg has no client-side keepalive options; PostgreSQL ignores these on unix sockets.
    """

    idle: int = 30
    interval: int = 10
    probes: int = 3

    def server_settings(self) -> dict[str, str]:
        """The ``tcp_keepalives_*`` server settings these values give."""
        return {
            "tcp_keepalives_idle": str(self.idle),
            "tcp_keepalives_interval": str(self.interval),
            "tcp_keepalives_count": str(self.probes),
        }


DEFAULT_KEEPALIVES = TcpKeepalives()


def create_engine(
    url: str | SecretStr,
    schema: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    pool_timeout: float = 10.0,
    connect_timeout: float = 10.0,
    command_timeout: float = 60.0,
    idle_in_transaction_timeout: float = 60.0,
    keepalives: TcpKeepalives = DEFAULT_KEEPALIVES,
    echo: bool = False,
) -> AsyncEngine:
    """An asyncpg engine whose connections see ``schema`` first on their search_path.

    Each pooled connection is tested (one round trip) before use, so the service recovers by
    itself after a database restart; recycling bounds the life of idle server-side sessions.
    The server ends a session left idle inside a transaction for ``idle_in_transaction_timeout``
    seconds (0 disables), and its TCP keepalives find a vanished client host within
    ``keepalives.idle + keepalives.interval * keepalives.probes`` seconds, so neither can hold
    locks or row versions for hours. Nothing connects until the engine is first used.
    """
    check_schema_name(schema)
    raw = url.get_secret_value() if isinstance(url, SecretStr) else url
    if raw.startswith(("postgresql://", "postgres://")):
        raw = "postgresql+asyncpg://" + raw.split("://", 1)[1]
    engine = _create_async_engine(
        raw,
        # Pooled connections are tested on checkout by `_ping_on_checkout` instead: one round
        # trip, where SQLAlchemy's asyncpg pre-ping spends three (BEGIN, ping, ROLLBACK).
        pool_pre_ping=False,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=1800,
        echo=echo,
        connect_args={
            "timeout": connect_timeout,
            "command_timeout": command_timeout,
            # public stays on the path for extensions (e.g. TimescaleDB functions).
            "server_settings": {
                "search_path": f'"{schema}", public',
                "application_name": f"gridstream-{schema}",
                "idle_in_transaction_session_timeout": str(
                    round(idle_in_transaction_timeout * 1000)
                ),
                **keepalives.server_settings(),
            },
        },
    )
    event.listen(engine.sync_engine, "checkout", _ping_on_checkout)
    return engine


def _ping_on_checkout(dbapi_connection: Any, _record: object, _proxy: object) -> None:
    """Test a connection as the pool hands it out; a dead one is replaced (pessimistic handling).

    Raising DisconnectionError makes the pool discard the connection and check out another (a
    fresh one after a database restart), so a restart costs no failed transaction. The ping is
    a simple-protocol query: no prepared statement, no transaction.
    """
    try:
        dbapi_connection.run_async(lambda driver: driver.execute("SELECT 1"))
    except Exception as exc:
        raise DisconnectionError(f"pooled connection is unusable ({type(exc).__name__})") from exc


def session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay usable after commit (no implicit reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def check_database(engine: AsyncEngine, timeout: float = 2.0) -> None:  # noqa: ASYNC109
    """Readiness: run ``SELECT 1`` within ``timeout`` seconds; raise DatabaseError otherwise."""
    try:
        async with asyncio.timeout(timeout), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except TimeoutError:
        raise DatabaseError(f"database did not answer within {timeout}s") from None
    except Exception as exc:
        # Driver messages may quote connection parameters; report the kind only.
        raise DatabaseError(f"database unreachable ({type(exc).__name__})") from exc
