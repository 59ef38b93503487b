"""Direct asyncpg connections for asserting on rows, from any PostgreSQL URL form."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from gridstream.testing.urls import asyncpg_dsn


@asynccontextmanager
async def pg_connection(url: str, *, connect_timeout: float = 10.0) -> AsyncIterator[Any]:
    """Yield an ``asyncpg.Connection`` to ``url`` (SQLAlchemy or libpq form), closed afterwards."""
    asyncpg = importlib.import_module("asyncpg")  # untyped package: the connection is Any
    connection = await asyncpg.connect(asyncpg_dsn(url), timeout=connect_timeout)
    try:
        yield connection
    finally:
        await connection.close()
