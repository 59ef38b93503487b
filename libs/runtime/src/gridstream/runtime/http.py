"""The HTTP app beside the broker: /healthz, /readyz, /metrics, the standard checks and admin auth."""

from __future__ import annotations

import asyncio
import functools
import hmac
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gridstream.runtime.database import DatabaseError, check_database
from gridstream.runtime.errors import ConfigProblem, ConfigurationError
from gridstream.runtime.settings import MIN_ADMIN_TOKEN_LENGTH, check_admin_token

Check = Callable[[], Awaitable[None]]
"""A readiness check: returns when the dependency is usable, raises otherwise."""
Endpoint = Callable[[Request], Awaitable[Response]]
ADMIN_TOKEN_ENV = "GRIDSTREAM_ADMIN_TOKEN"  # noqa: S105 - a variable name, not a secret


class ReadinessError(RuntimeError):
    """A dependency is not usable; the message is safe to show on /readyz."""


def build_health_app(
    checks: Mapping[str, Check],
    registry: CollectorRegistry,
    extra_routes: Sequence[BaseRoute] = (),
    *,
    check_timeout: float = 3.0,
) -> Starlette:
    """A Starlette app with /healthz (alive), /readyz (every check passes) and /metrics."""
    named = dict(checks)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(_request: Request) -> Response:
        names = list(named)
        results = await asyncio.gather(*(_run_check(named[n], check_timeout) for n in names))
        report = dict(zip(names, results, strict=True))
        failing = [name for name, result in report.items() if result["status"] != "ok"]
        if failing:
            body = {"status": "unready", "failing": failing, "checks": report}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ready", "checks": report})

    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        *extra_routes,
    ]
    return Starlette(routes=routes)


async def _run_check(check: Check, timeout: float) -> dict[str, str]:  # noqa: ASYNC109
    """Run one check; the error shown is the check's own safe message, or only its kind."""
    try:
        async with asyncio.timeout(timeout):
            await check()
    except TimeoutError:
        return {"status": "failing", "error": f"no answer within {timeout}s"}
    except (ReadinessError, DatabaseError) as exc:
        return {"status": "failing", "error": str(exc)}
    except Exception as exc:
        return {"status": "failing", "error": type(exc).__name__}
    return {"status": "ok"}


def nats_check(get_client: Callable[[], Any], timeout: float = 1.0) -> Check:
    """Readiness of NATS: the client is connected, a PING/PONG round trip and a JetStream call work.

    ``get_client`` returns the nats-py client (e.g. ``lambda: broker.connection``) or None.
    """

    async def check() -> None:
        try:
            client = get_client()
        except Exception as exc:
            raise ReadinessError(f"no NATS connection ({type(exc).__name__})") from exc
        if client is None or not client.is_connected:
            raise ReadinessError("not connected to NATS")
        try:
            await client.flush(timeout=timeout)
            await client.jsm(timeout=timeout).account_info()
        except Exception as exc:
            raise ReadinessError(f"NATS round trip failed ({type(exc).__name__})") from exc

    return check


def database_check(engine: AsyncEngine, timeout: float = 2.0) -> Check:
    """Readiness of the service database (``SELECT 1`` within ``timeout``)."""

    async def check() -> None:
        await check_database(engine, timeout)

    return check


def admin_only(token: SecretStr | None) -> Callable[[Endpoint], Endpoint]:
    """Decorator for write endpoints: require ``Authorization: Bearer <admin token>``.

    Without a configured token the endpoint answers 403 (admin API disabled); a missing or wrong
    token gets 401. The comparison is constant-time and the token never appears in a response.
    A token shorter than 16 characters raises ConfigurationError: an empty one would match
    ``Bearer ``.
    """
    if token is not None:
        try:
            check_admin_token(token)
        except ValueError as exc:
            problem = ConfigProblem("admin_token", ADMIN_TOKEN_ENV, str(exc))
            raise ConfigurationError([problem]) from None

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            if token is None:
                disabled = (
                    f"admin API disabled: no admin token is configured (set {ADMIN_TOKEN_ENV}, "
                    f"at least {MIN_ADMIN_TOKEN_LENGTH} characters)"
                )
                return JSONResponse({"error": disabled}, status_code=403)
            if not _bearer_matches(request.headers.get("authorization", ""), token):
                return JSONResponse(
                    {"error": "missing or invalid bearer token"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="gridstream-admin"'},
                )
            return await endpoint(request)

        return guarded

    return decorate


def _bearer_matches(header: str, token: SecretStr) -> bool:
    scheme, _, presented = header.partition(" ")
    expected = token.get_secret_value().encode()
    # Always compare, even for a wrong scheme, so timing says nothing about the token.
    matches = hmac.compare_digest(presented.strip().encode(), expected)
    return scheme.lower() == "bearer" and bool(presented.strip()) and matches
