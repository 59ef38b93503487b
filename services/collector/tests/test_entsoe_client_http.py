"""The client over real HTTP: a scripted Starlette app on a local port answers from the real fixtures."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gridstream.collector.entsoe.client import TOKEN_HEADER, EntsoeClient
from gridstream.collector.entsoe.errors import (
    EntsoeAuthError,
    EntsoeBadRequest,
    EntsoeParseError,
    EntsoeRateLimited,
    EntsoeTransientError,
)
from gridstream.collector.entsoe.ratelimit import TokenBucket
from gridstream.collector.entsoe.requests import build_request
from gridstream.contracts import DataType
from gridstream.testing import free_port, run_uvicorn, wait_until

FIXTURES = Path(__file__).parent / "fixtures" / "entsoe" / "real"
LOAD_NL = (FIXTURES / "load_actual_A65_A16_NL_PT15M_2024-09-02.xml").read_bytes()
NO_DATA = (FIXTURES / "ack_no_matching_data_A44_DE_LU.xml").read_bytes()
TOKEN = "tok-3f9c2e71-secret"
DE_LU = "10Y1001A1001A82H"
DAY = datetime(2024, 9, 1, 22, tzinfo=UTC)
REQUEST = build_request(DataType.ACTUAL_LOAD, "NL", DAY, DAY + timedelta(days=1))

Action = Callable[[Request], Awaitable[Response]]


def acknowledgement(text: str) -> bytes:
    return NO_DATA.replace(
        b"No matching data found for Data item ENERGY_PRICES [12.1.D] "
        b"(10Y1001A1001A82H, 10Y1001A1001A82H) and interval "
        b"2024-09-01T22:00:00Z/2024-09-02T22:00:00Z.",
        text.encode(),
    )


def answer(status: int = 200, body: bytes = LOAD_NL, **headers: str) -> Action:
    async def act(_: Request) -> Response:
        return Response(body, status, headers=headers or None, media_type="text/xml")

    return act


def slow(seconds: float) -> Action:
    async def act(request: Request) -> Response:
        await asyncio.sleep(seconds)
        return await answer()(request)

    return act


class _DropMidBody(Response):
    """Promise a long body, send a little, then fail: the server closes the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", str(len(LOAD_NL)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": LOAD_NL[:500], "more_body": True})
        raise ConnectionResetError("scripted connection drop")


async def drop_mid_body(_: Request) -> Response:
    return _DropMidBody()


@dataclass
class Seen:
    at: float
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class ScriptedApi:
    """Answers each request with the next scripted action, then with `default`; records requests."""

    script: list[Action]
    default: Action = field(default_factory=answer)
    seen: list[Seen] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.seen.append(Seen(time.time(), dict(request.query_params), dict(request.headers)))
        action = self.script.pop(0) if self.script else self.default
        return await action(request)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/api", self.handle)])


@dataclass
class Harness:
    api: ScriptedApi
    url: str

    def client(self, **kwargs: object) -> EntsoeClient:
        options: dict[str, object] = {
            "rate_limiter": TokenBucket(1000.0, 1000),
            "timeout": 5.0,
            "max_retries": 2,
            "backoff_base": 0.01,
            "backoff_cap": 0.05,
        }
        options.update(kwargs)
        return EntsoeClient(f"{self.url}/api", SecretStr(TOKEN), **options)  # type: ignore[arg-type]


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    api = ScriptedApi([])
    async with run_uvicorn(api.app()) as url:
        yield Harness(api, url)


async def test_a_plain_fetch_sends_exact_params_and_the_token_as_a_header(harness: Harness) -> None:
    async with harness.client() as client:
        result = await client.fetch(REQUEST)
    assert (result.status, result.attempts, result.no_data) == (200, 1, False)
    assert result.body == LOAD_NL
    assert result.document.kind == "data"
    assert [s.key.area for s in result.document.series] == ["NL"]
    (seen,) = harness.api.seen
    assert seen.params == REQUEST.params()
    assert seen.headers[TOKEN_HEADER.lower()] == TOKEN
    assert "securityToken" not in seen.params


@pytest.mark.parametrize("status", [503, 500, 502, 408])
async def test_transient_statuses_are_retried(harness: Harness, status: int) -> None:
    harness.api.script = [answer(status, b""), answer(status, b"")]
    async with harness.client() as client:
        result = await client.fetch(REQUEST)
    assert (result.status, result.attempts) == (200, 3)
    assert len(harness.api.seen) == 3


async def test_transient_errors_are_raised_after_the_bounded_retries(harness: Harness) -> None:
    harness.api.default = answer(503, b"")
    async with harness.client(max_retries=3) as client:
        with pytest.raises(EntsoeTransientError) as caught:
            await client.fetch(REQUEST)
    assert (caught.value.status, caught.value.attempts, caught.value.kind) == (503, 4, "transient")
    assert caught.value.retryable
    assert len(harness.api.seen) == 4


async def test_a_connection_dropped_mid_body_is_retried(harness: Harness) -> None:
    harness.api.script = [drop_mid_body]
    async with harness.client() as client:
        result = await client.fetch(REQUEST)
    assert (result.attempts, result.body) == (2, LOAD_NL)
    assert len(harness.api.seen) == 2


async def test_a_server_that_hangs_up_without_answering_is_transient() -> None:
    accepted: list[float] = []

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(time.time())
        await reader.readuntil(b"\r\n\r\n")
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        client = EntsoeClient(
            f"http://127.0.0.1:{port}/api",
            SecretStr(TOKEN),
            max_retries=2,
            backoff_base=0.01,
            backoff_cap=0.02,
        )
        async with client:
            with pytest.raises(EntsoeTransientError, match="connection failed") as caught:
                await client.fetch(REQUEST)
    assert caught.value.attempts == 3
    assert len(accepted) == 3


async def test_nothing_listening_is_transient() -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    async with EntsoeClient(url, SecretStr(TOKEN), max_retries=1, backoff_base=0.01) as client:
        with pytest.raises(EntsoeTransientError, match="ConnectError"):
            await client.fetch(REQUEST)


async def test_a_slow_answer_times_out_and_is_retried(harness: Harness) -> None:
    harness.api.script = [slow(2.0)]
    async with harness.client(timeout=0.3) as client:
        result = await client.fetch(REQUEST)
    assert result.attempts == 2
    harness.api.default = slow(2.0)
    async with harness.client(timeout=0.3, max_retries=1) as client:
        with pytest.raises(EntsoeTransientError, match=r"within 0.3s"):
            await client.fetch(REQUEST)


async def test_429_cools_down_every_request_of_the_token(harness: Harness) -> None:
    harness.api.script = [answer(429, b"", **{"Retry-After": "1"})]
    async with harness.client() as client:
        first = asyncio.create_task(client.fetch(REQUEST))
        await wait_until(lambda: len(harness.api.seen) == 1, timeout=5)

        async def cooling() -> bool:
            return await client.rate_limiter.cooling_down_for() > 0

        await wait_until(cooling, timeout=5)  # the 429 was read and the cool-down set
        other = build_request(DataType.ACTUAL_LOAD, "BE", DAY, DAY + timedelta(days=2))
        second = await client.fetch(other)
        assert (await first).attempts == 2
    assert second.attempts == 1
    rejected, *later = harness.api.seen
    assert len(later) == 2
    assert all(seen.at - rejected.at >= 1.0 for seen in later)


async def test_429_with_an_http_date_is_honoured(harness: Harness) -> None:
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    harness.api.script = [answer(429, b"", **{"Retry-After": format_datetime(until, usegmt=True)})]
    async with harness.client() as client:
        result = await client.fetch(REQUEST)
    assert result.attempts == 2
    assert harness.api.seen[1].at >= until.timestamp() - 0.01


async def test_a_long_429_is_raised_at_once_and_holds_back_later_requests(
    harness: Harness,
) -> None:
    harness.api.script = [answer(429, b"", **{"Retry-After": "120"})]
    async with harness.client(max_retry_after=30.0) as client:
        with pytest.raises(EntsoeRateLimited) as caught:
            await client.fetch(REQUEST)
        assert (caught.value.retry_after, caught.value.status) == (120.0, 429)
        assert caught.value.kind == "rate_limited"
        with pytest.raises(EntsoeRateLimited) as held:
            await client.fetch(REQUEST)
    assert 110.0 < held.value.retry_after <= 120.0
    assert held.value.attempts == 0  # refused before sending anything
    assert len(harness.api.seen) == 1


async def test_429_without_retry_after_uses_the_default_cool_down(harness: Harness) -> None:
    harness.api.script = [answer(429, b"")]
    async with harness.client(default_retry_after=75.0) as client:
        with pytest.raises(EntsoeRateLimited) as caught:
            await client.fetch(REQUEST)
    assert caught.value.retry_after == 75.0


async def test_429_outlasting_the_retries_is_rate_limited(harness: Harness) -> None:
    harness.api.default = answer(429, b"", **{"Retry-After": "0"})
    async with harness.client(max_retries=2) as client:
        with pytest.raises(EntsoeRateLimited) as caught:
            await client.fetch(REQUEST)
    assert (caught.value.attempts, caught.value.retry_after) == (3, 0.0)
    assert len(harness.api.seen) == 3


async def test_401_is_an_auth_error_without_retry(harness: Harness) -> None:
    harness.api.default = answer(401, b"Authentication failed.")
    async with harness.client() as client:
        with pytest.raises(EntsoeAuthError, match="Authentication failed") as caught:
            await client.fetch(REQUEST)
    assert (caught.value.status, caught.value.retryable, caught.value.kind) == (401, False, "auth")
    assert len(harness.api.seen) == 1


async def test_400_with_an_acknowledgement_carries_entsoe_text(harness: Harness) -> None:
    text = "Delivered Area EIC 10YDE-ENBW-----N is not valid."
    harness.api.default = answer(400, acknowledgement(text))
    async with harness.client() as client:
        with pytest.raises(EntsoeBadRequest) as caught:
            await client.fetch(REQUEST)
    assert (caught.value.reason_text, caught.value.reason_code) == (text, "999")
    assert (caught.value.status, caught.value.kind) == (400, "bad_request")
    assert text in str(caught.value)
    assert len(harness.api.seen) == 1


async def test_400_without_a_document_is_still_a_bad_request(harness: Harness) -> None:
    harness.api.default = answer(400, b"Bad Request")
    async with harness.client() as client:
        with pytest.raises(EntsoeBadRequest, match="HTTP 400: Bad Request"):
            await client.fetch(REQUEST)


async def test_no_matching_data_is_a_normal_result(harness: Harness) -> None:
    harness.api.default = answer(200, NO_DATA)
    async with harness.client() as client:
        result = await client.fetch(REQUEST)
    assert (result.no_data, result.status, result.document.series) == (True, 200, [])
    assert "No matching data" in (result.document.reason_text or "")


async def test_an_error_acknowledgement_on_200_is_a_bad_request(harness: Harness) -> None:
    harness.api.default = answer(200, acknowledgement("Input parameter does not exist: curveType"))
    async with harness.client() as client:
        with pytest.raises(EntsoeBadRequest, match="curveType") as caught:
            await client.fetch(REQUEST)
    assert caught.value.status == 200


async def test_a_truncated_body_is_a_parse_error_without_retry(harness: Harness) -> None:
    harness.api.default = answer(200, LOAD_NL[: len(LOAD_NL) // 2])
    async with harness.client() as client:
        with pytest.raises(EntsoeParseError, match="truncated") as caught:
            await client.fetch(REQUEST)
    assert (caught.value.kind, caught.value.retryable, caught.value.attempts) == ("parse", False, 1)
    assert len(harness.api.seen) == 1


async def test_a_body_that_cannot_be_decompressed_is_a_parse_error(harness: Harness) -> None:
    harness.api.default = answer(200, b"this is not gzip", **{"Content-Encoding": "gzip"})
    async with harness.client() as client:
        with pytest.raises(EntsoeParseError, match="could not be decoded") as caught:
            await client.fetch(REQUEST)
    assert caught.value.attempts == 1


async def test_an_oversized_body_is_refused(harness: Harness) -> None:
    async with harness.client(max_body_bytes=1000) as client:
        with pytest.raises(EntsoeParseError, match="exceeds 1000 bytes"):
            await client.fetch(REQUEST)


# Arrivals lag their grants by a scheduling delay that a loaded machine stretches; windows allow
# this much of it. A client without the limit sends all `count` within far less than the span.
ARRIVAL_SLACK = 0.25


async def test_the_rate_limit_holds_on_the_server_side(harness: Harness) -> None:
    rate, burst, count = 10.0, 2, 20
    async with harness.client(rate_limiter=TokenBucket(rate, burst)) as client:
        # Warm up: open the pooled connections, so connection setup does not skew arrival times.
        await asyncio.gather(*(client.fetch(REQUEST) for _ in range(burst)))
        await asyncio.sleep(burst / rate + 0.05)  # refill (the bound below counts a full bucket)
        harness.api.seen.clear()
        started = time.time()
        await asyncio.gather(*(client.fetch(REQUEST) for _ in range(count)))
    times = sorted(seen.at for seen in harness.api.seen)
    assert len(times) == count
    for k, at in enumerate(times, start=1):
        # exact: at most `burst` saved up at `started`, one more per 1/rate, none sent early
        assert at - started >= (k - burst) / rate
    for i in range(count):
        for j in range(i + burst, count):
            # at most `burst` requests plus one per 1/rate seconds in any interval
            assert times[j] - times[i] >= (j - i - burst + 1) / rate - ARRIVAL_SLACK


async def test_retries_pass_the_rate_limit_too(harness: Harness) -> None:
    harness.api.script = [answer(503, b"")] * 4
    started = time.time()
    async with harness.client(rate_limiter=TokenBucket(5.0, 1), max_retries=4) as client:
        result = await client.fetch(REQUEST)
    assert result.attempts == 5
    # one token at the start, then one per 1/5 s: the fifth attempt cannot come before 0.8 s
    assert harness.api.seen[-1].at - started >= 4 / 5.0
