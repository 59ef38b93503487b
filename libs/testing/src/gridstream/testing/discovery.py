"""Session-level discovery of NATS and PostgreSQL: env URLs, else Docker, else embedded binaries."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gridstream.testing.docker import (
    docker_available,
    start_nats_container,
    start_postgres_container,
)
from gridstream.testing.nats_server import (
    EmbeddedNatsServer,
    ExternalNatsServer,
    NatsServer,
    clean_jetstream,
)
from gridstream.testing.postgres_server import EmbeddedPostgres, ExternalPostgres, PostgresServer

NATS_URL_ENV = "GRIDSTREAM_TEST_NATS_URL"
DATABASE_URL_ENV = "GRIDSTREAM_TEST_DATABASE_URL"


@functools.cache
def _docker() -> bool:
    return docker_available()


class NatsProvider:
    """Hands each test a clean server: a fresh embedded one, or the shared one emptied."""

    def __init__(self, source: str, *, url: str | None = None, root: Path | None = None):
        self.source = source
        self._url = url
        self._root = root

    @contextmanager
    def server_for_test(self) -> Iterator[NatsServer]:
        """Yield a server with no streams; an embedded one is stopped and deleted afterwards."""
        if self._url is not None:
            clean_jetstream(self._url)
            yield ExternalNatsServer(self._url)
            return
        store = Path(tempfile.mkdtemp(prefix="nats-", dir=self._root))
        try:
            server = EmbeddedNatsServer.start_fresh(store)
            try:
                yield server
            finally:
                server.stop()
        finally:
            shutil.rmtree(store, ignore_errors=True)


@contextmanager
def nats_provider() -> Iterator[NatsProvider]:
    """Find the session's NATS: ``GRIDSTREAM_TEST_NATS_URL``, a container, or the embedded binary."""
    url = os.environ.get(NATS_URL_ENV)
    if url:
        yield NatsProvider("env", url=url)
        return
    if _docker():
        container = start_nats_container()
        try:
            yield NatsProvider("docker", url=container.url)
        finally:
            container.stop()
        return
    root = Path(tempfile.mkdtemp(prefix="gridstream-nats-"))
    try:
        yield NatsProvider("embedded", root=root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_session() -> Iterator[PostgresServer]:
    """Find the session's PostgreSQL: ``GRIDSTREAM_TEST_DATABASE_URL``, a container, or pgserver."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        yield ExternalPostgres(url)
        return
    if _docker():
        container = start_postgres_container()
        try:
            yield ExternalPostgres(container.url)
        finally:
            container.stop()
        return
    root = Path(tempfile.mkdtemp(prefix="gridstream-pg-"))
    try:
        server = EmbeddedPostgres(root)
        try:
            yield server
        finally:
            server.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
