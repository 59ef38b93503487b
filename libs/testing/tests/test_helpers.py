"""Tests of the small helpers: ports, URL forms, polling and the in-loop uvicorn server."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gridstream.testing import free_port, run_uvicorn, sqlalchemy_url, wait_until, with_database
from gridstream.testing.urls import asyncpg_dsn, database_name


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert 1024 < port < 65536


@pytest.mark.parametrize(
    ("given", "sqlalchemy", "libpq"),
    [
        (
            "postgresql://postgres:@/postgres?host=/tmp/x",
            "postgresql+asyncpg://postgres@/postgres?host=/tmp/x",
            "postgresql://postgres@/postgres?host=/tmp/x",
        ),
        (
            "postgresql+asyncpg://u:pw@db:5432/app",
            "postgresql+asyncpg://u:pw@db:5432/app",
            "postgresql://u:pw@db:5432/app",
        ),
    ],
)
def test_url_forms(given: str, sqlalchemy: str, libpq: str) -> None:
    assert sqlalchemy_url(given) == sqlalchemy
    assert asyncpg_dsn(given) == libpq


def test_with_database_keeps_socket_query() -> None:
    url = with_database("postgresql://postgres@/postgres?host=/tmp/x", "t_1")
    assert url == "postgresql://postgres@/t_1?host=/tmp/x"
    assert database_name(url) == "t_1"


async def test_wait_until_reports_what_it_waited_for() -> None:
    with pytest.raises(AssertionError, match="the moon"):
        await wait_until(lambda: False, timeout=0.1, description="the moon")


async def test_wait_until_accepts_async_predicates() -> None:
    calls: list[int] = []

    async def third_time() -> bool:
        calls.append(1)
        return len(calls) >= 3

    await wait_until(third_time, timeout=2, interval=0.01)
    assert len(calls) == 3


async def test_run_uvicorn_serves_app_in_this_loop() -> None:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    app = Starlette(routes=[Route("/", hello)])
    async with run_uvicorn(app) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get("/")
    assert response.text == "hello"
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(base_url=base_url) as client:
            await client.get("/")


def test_public_names_are_pinned() -> None:
    import gridstream.testing

    assert sorted(gridstream.testing.__all__) == [
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
