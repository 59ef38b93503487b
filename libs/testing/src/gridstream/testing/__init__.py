"""gridstream test harness: real NATS JetStream and PostgreSQL servers, and small waiting helpers."""

from gridstream.testing.asgi import run_uvicorn
from gridstream.testing.db import pg_connection
from gridstream.testing.messages import MessageLog, follow_stream
from gridstream.testing.nats_server import EmbeddedNatsServer, NatsServer, clean_jetstream
from gridstream.testing.ports import free_port
from gridstream.testing.postgres_server import EmbeddedPostgres, PostgresServer
from gridstream.testing.urls import asyncpg_dsn, sqlalchemy_url, with_database
from gridstream.testing.waiting import wait_until, wait_until_sync

__all__ = [
    "EmbeddedNatsServer",
    "EmbeddedPostgres",
    "MessageLog",
    "NatsServer",
    "PostgresServer",
    "asyncpg_dsn",
    "clean_jetstream",
    "follow_stream",
    "free_port",
    "pg_connection",
    "run_uvicorn",
    "sqlalchemy_url",
    "wait_until",
    "wait_until_sync",
    "with_database",
]
