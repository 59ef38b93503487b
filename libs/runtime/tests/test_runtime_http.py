"""Health HTTP app over real uvicorn: /healthz, /readyz following NATS and PostgreSQL, /metrics, admin."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import nats
import pytest
from nats.aio.client import Client
from prometheus_client import CollectorRegistry, Counter
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gridstream.runtime.database import create_engine
from gridstream.runtime.http import (
    ReadinessError,
    admin_only,
    build_health_app,
    database_check,
    nats_check,
)
from gridstream.runtime.settings import ConfigurationError
from gridstream.testing import NatsServer, run_uvicorn, wait_until, with_database

ADMIN_TOKEN = "adm-7c1e-very-secret"


@pytest.fixture
async def nats_client(nats_url: str) -> AsyncIterator[Client]:
    client = await nats.connect(
        nats_url, max_reconnect_attempts=-1, reconnect_time_wait=0.1, connect_timeout=2
    )
    yield client
    await client.close()


async def _get(base_url: str, path: str, **kw: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        return await http.get(path, **kw)


async def test_readyz_follows_nats_outage(
    nats_client: Client, nats_server: NatsServer, database_url: str
) -> None:
    engine = create_engine(database_url, "httptest")
    checks = {"nats": nats_check(lambda: nats_client), "database": database_check(engine)}
    app = build_health_app(checks, CollectorRegistry())
    try:
        async with run_uvicorn(app) as base_url:
            ready = await _get(base_url, "/readyz")
            assert ready.status_code == 200
            assert ready.json() == {
                "status": "ready",
                "checks": {"nats": {"status": "ok"}, "database": {"status": "ok"}},
            }

            nats_server.stop()

            async def unready() -> bool:
                response = await _get(base_url, "/readyz")
                return response.status_code == 503 and response.json()["failing"] == ["nats"]

            await wait_until(unready, timeout=15)
            assert (await _get(base_url, "/healthz")).status_code == 200

            nats_server.start()

            async def ready_again() -> bool:
                return (await _get(base_url, "/readyz")).status_code == 200

            await wait_until(ready_again, timeout=20)
    finally:
        await engine.dispose()


async def test_readyz_names_an_unreachable_database(database_url: str) -> None:
    missing = with_database(database_url, "no_such_database_here")
    engine = create_engine(missing, "httptest")
    app = build_health_app({"database": database_check(engine)}, CollectorRegistry())
    try:
        async with run_uvicorn(app) as base_url:
            response = await _get(base_url, "/readyz")
    finally:
        await engine.dispose()

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["status"] == "failing"
    assert "database unreachable" in body["checks"]["database"]["error"]


async def test_check_errors_and_timeouts_are_reported_safely() -> None:
    async def slow() -> None:
        await asyncio.sleep(5)

    async def leaky() -> None:
        raise RuntimeError("password=hunter2 in a driver message")

    async def explained() -> None:
        raise ReadinessError("cache warming up")

    checks = {"slow": slow, "leaky": leaky, "explained": explained}
    app = build_health_app(checks, CollectorRegistry(), check_timeout=0.3)
    async with run_uvicorn(app) as base_url:
        response = await _get(base_url, "/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["slow", "leaky", "explained"]
    assert body["checks"]["slow"]["error"] == "no answer within 0.3s"
    assert body["checks"]["leaky"]["error"] == "RuntimeError"
    assert body["checks"]["explained"]["error"] == "cache warming up"
    assert "hunter2" not in response.text


async def test_nats_check_without_a_client_fails() -> None:
    with pytest.raises(ReadinessError, match="not connected"):
        await nats_check(lambda: None)()


async def test_healthz_and_metrics() -> None:
    registry = CollectorRegistry()
    counter = Counter("gridstream_test_things", "Things counted.", registry=registry)
    counter.inc(3)
    app = build_health_app({}, registry)
    async with run_uvicorn(app) as base_url:
        health = await _get(base_url, "/healthz")
        metrics = await _get(base_url, "/metrics")
        ready = await _get(base_url, "/readyz")

    assert health.status_code == 200
    assert health.json() == {"status": "alive"}
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "gridstream_test_things_total 3.0" in metrics.text
    assert ready.status_code == 200


async def _write(request: Request) -> Response:
    return JSONResponse({"written": True})


async def test_admin_endpoints_need_the_bearer_token() -> None:
    routes = [
        Route("/admin/on", admin_only(SecretStr(ADMIN_TOKEN))(_write), methods=["POST"]),
        Route("/admin/off", admin_only(None)(_write), methods=["POST"]),
    ]
    app = build_health_app({}, CollectorRegistry(), extra_routes=routes)
    async with run_uvicorn(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        missing = await http.post("/admin/on")
        wrong = await http.post("/admin/on", headers={"Authorization": "Bearer nope"})
        basic = await http.post("/admin/on", headers={"Authorization": f"Basic {ADMIN_TOKEN}"})
        right = await http.post("/admin/on", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        bare = await http.post("/admin/on", headers={"Authorization": "Bearer"})
        disabled = await http.post("/admin/off", headers={"Authorization": "Bearer anything"})
    # h11 will not send a header value with trailing space: call the app in process for that one.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://app") as http:
        empty = await http.post("/admin/on", headers={"Authorization": "Bearer "})
        disabled_empty = await http.post("/admin/off", headers={"Authorization": "Bearer "})

    for refused in (missing, wrong, basic, empty, bare):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert ADMIN_TOKEN not in refused.text
    assert right.status_code == 200
    assert right.json() == {"written": True}
    for off in (disabled, disabled_empty):
        assert off.status_code == 403
        assert "no admin token is configured" in off.json()["error"]
        assert "GRIDSTREAM_ADMIN_TOKEN" in off.json()["error"]


@pytest.mark.parametrize("token", ["", "short-adm-1"])
def test_a_short_admin_token_is_refused_when_wiring_the_endpoint(token: str) -> None:
    with pytest.raises(
        ConfigurationError, match="GRIDSTREAM_ADMIN_TOKEN: must be at least 16"
    ) as caught:
        admin_only(SecretStr(token))
    assert token == "" or token not in str(caught.value)
