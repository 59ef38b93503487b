"""pytest plugin (entry point ``gridstream``): real NATS JetStream and PostgreSQL fixtures.

External servers (``GRIDSTREAM_TEST_NATS_URL``) are shared, so run those tests with ``-n 0``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from nats.aio.client import Client

from gridstream.testing.discovery import NatsProvider, nats_provider, postgres_session
from gridstream.testing.nats_server import NatsServer
from gridstream.testing.postgres_server import (
    PostgresServer,
    create_database,
    drop_database,
)
from gridstream.testing.urls import sqlalchemy_url


@pytest.fixture(scope="session")
def nats_session() -> Iterator[NatsProvider]:
    """Where this session's NATS comes from (``.source`` is env, docker or embedded)."""
    with nats_provider() as provider:
        yield provider


@pytest.fixture
def nats_server(nats_session: NatsProvider) -> Iterator[NatsServer]:
    """A clean JetStream server for this test, with ``.url``, ``.stop()``, ``.start()``, ``.restart()``.

    Embedded: a fresh ``nats-server`` per test; restarts keep the port and the JetStream store.
    External: the shared server with every stream deleted; stop/start skip the test.
    """
    with nats_session.server_for_test() as server:
        yield server


@pytest.fixture
def nats_url(nats_server: NatsServer) -> str:
    """Client URL of this test's clean JetStream server."""
    return nats_server.url


@pytest.fixture
async def nats_client(nats_url: str) -> AsyncIterator[Client]:
    """A plain nats-py connection to this test's server (publish, read streams), drained after."""
    client = await nats.connect(nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.1)
    yield client
    await client.drain()


@pytest.fixture(scope="session")
def postgres_session_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (shared by the tests of one xdist worker)."""
    with postgres_session() as server:
        yield server


@pytest.fixture
def postgres_server(postgres_session_server: PostgresServer) -> Iterator[PostgresServer]:
    """The session's PostgreSQL with ``.stop()``/``.start()``/``.restart()``; left running afterwards."""
    yield postgres_session_server
    postgres_session_server.ensure_running()


@pytest.fixture
def database_dsn(postgres_server: PostgresServer) -> Iterator[str]:
    """libpq/asyncpg URL of a fresh database, dropped (WITH FORCE) after the test."""
    name, dsn = create_database(postgres_server.admin_dsn)
    yield dsn
    postgres_server.ensure_running()
    drop_database(postgres_server.admin_dsn, name)


@pytest.fixture
def database_url(database_dsn: str) -> str:
    """SQLAlchemy URL (``postgresql+asyncpg://...``) of this test's fresh database."""
    return sqlalchemy_url(database_dsn)
