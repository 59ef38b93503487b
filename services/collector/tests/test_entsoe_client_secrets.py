"""The API token never shows up in logs (any logger, DEBUG included), exceptions, tracebacks or reprs."""

import asyncio
import logging
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gridstream.collector.entsoe.client import TOKEN_HEADER, EntsoeClient
from gridstream.collector.entsoe.errors import (
    REDACTED,
    EntsoeAuthError,
    EntsoeBadRequest,
    EntsoeError,
    EntsoeParseError,
    EntsoeTransientError,
)
from gridstream.collector.entsoe.ratelimit import TokenBucket
from gridstream.collector.entsoe.requests import build_request
from gridstream.contracts import DataType
from gridstream.testing import free_port, run_uvicorn

TOKEN = "c0ffee00-dead-beef-feed-5ecre7t0ken1"
FIXTURES = Path(__file__).parent / "fixtures" / "entsoe" / "real"
NO_DATA = (FIXTURES / "ack_no_matching_data_A44_DE_LU.xml").read_bytes()
LOAD_NL = (FIXTURES / "load_actual_A65_A16_NL_PT15M_2024-09-02.xml").read_bytes()
DAY = datetime(2024, 9, 1, 22, tzinfo=UTC)
REQUEST = build_request(DataType.ACTUAL_LOAD, "NL", DAY, DAY + timedelta(days=1))


def leaky(release: asyncio.Event) -> Callable[[Request], Awaitable[Response]]:
    """A server that echoes the token it got into every kind of failure (worst case)."""

    async def answer(request: Request) -> Response:
        token = request.headers.get(TOKEN_HEADER, "")
        mode = request.query_params["processType"]  # the test picks the failure through processType
        if mode == "A01":
            return Response(f"Authentication failed for {token}", 401)
        if mode == "A31":
            text = f"Security token {token} is not valid for this area."
            body = NO_DATA.replace(b"No matching data found", text.encode())
            return Response(body, 400, media_type="text/xml")
        if mode == "A32":
            return Response(f"<html>overloaded, token={token}</html>", 503)
        if mode == "A33":
            return Response(LOAD_NL[:3000] + token.encode(), 200, media_type="text/xml")
        await release.wait()  # no answer before the client's timeout: held until the test ends
        return Response(LOAD_NL, media_type="text/xml")

    return answer


@pytest.fixture
async def leaky_url() -> AsyncIterator[str]:
    release = asyncio.Event()
    async with run_uvicorn(Starlette(routes=[Route("/api", leaky(release))])) as url:
        yield f"{url}/api"
        release.set()


CASES: list[tuple[DataType, type[EntsoeError]]] = [
    (DataType.LOAD_FORECAST_DAY_AHEAD, EntsoeAuthError),
    (DataType.LOAD_FORECAST_WEEK_AHEAD, EntsoeBadRequest),
    (DataType.LOAD_FORECAST_MONTH_AHEAD, EntsoeTransientError),
    (DataType.LOAD_FORECAST_YEAR_AHEAD, EntsoeParseError),
    (DataType.ACTUAL_LOAD, EntsoeTransientError),  # A16: the slow answer, beyond the timeout
]


def everything_said(caplog: pytest.LogCaptureFixture, errors: list[BaseException]) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), repr(record.__dict__)]
    for error in errors:
        parts += [
            str(error),
            repr(error),
            repr(error.args),
            "".join(traceback.format_exception(error)),
        ]
    return "\n".join(parts)


async def test_the_token_appears_nowhere_when_requests_fail(
    leaky_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "gridstream", "uvicorn", "uvicorn.access", "uvicorn.error"):
        caplog.set_level(logging.DEBUG, logger=name)
    client = EntsoeClient(
        leaky_url,
        SecretStr(TOKEN),
        rate_limiter=TokenBucket(1000.0, 1000),
        timeout=0.5,
        max_retries=1,
        backoff_base=0.01,
        backoff_cap=0.02,
    )
    errors: list[BaseException] = []
    async with client:
        for data_type, expected in CASES:
            with pytest.raises(expected) as caught:
                await client.fetch(build_request(data_type, "NL", DAY, DAY + timedelta(days=1)))
            errors.append(caught.value)
        said = everything_said(caplog, errors) + repr(client) + repr(client.rate_limiter)
    refused = EntsoeClient(f"http://127.0.0.1:{free_port()}/api", SecretStr(TOKEN), max_retries=0)
    async with refused:
        with pytest.raises(EntsoeTransientError) as caught:
            await refused.fetch(REQUEST)
    said += everything_said(caplog, [caught.value]) + repr(refused)

    assert TOKEN not in said
    # the capture is real: httpx and httpcore DEBUG lines and the retries' warnings are in it
    loggers = {record.name for record in caplog.records}
    assert {"httpx", "gridstream.collector.entsoe.client"} <= loggers
    assert any(name.startswith("httpcore") for name in loggers)
    # the echoed token was there and got redacted, not merely absent
    assert REDACTED in str(errors[0])
    assert REDACTED in str(errors[1])
    assert isinstance(errors[1], EntsoeBadRequest)
    assert REDACTED in (errors[1].reason_text or "")
    assert REDACTED in str(errors[2])


def test_a_base_url_with_a_query_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="query string") as caught:
        EntsoeClient(f"https://web-api.tp.entsoe.eu/api?securityToken={TOKEN}", SecretStr(TOKEN))
    assert TOKEN not in str(caught.value)
    with pytest.raises(ValueError, match="http"):
        EntsoeClient("ftp://web-api.tp.entsoe.eu/api", SecretStr(TOKEN))
