"""The ENTSO-E HTTP client: rate-limited, retrying GETs whose answers are parsed and classified."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Generator
from datetime import datetime
from types import TracebackType

import httpx
from pydantic import SecretStr

from gridstream.collector.entsoe.answers import AnswerReader, FetchResult
from gridstream.collector.entsoe.errors import (
    EntsoeBadRequest,
    EntsoeError,
    EntsoeParseError,
    EntsoeRateLimited,
    EntsoeTransientError,
)
from gridstream.collector.entsoe.parser import DEFAULT_MAX_BYTES
from gridstream.collector.entsoe.ratelimit import Clock, RateLimiter, Sleep, TokenBucket
from gridstream.collector.entsoe.requests import (
    MAX_OFFSET,
    PAGE_SIZE,
    EntsoeRequest,
    plan_requests,
)
from gridstream.collector.entsoe.retry import RetryPolicy
from gridstream.contracts import Area, DataType

logger = logging.getLogger(__name__)

TOKEN_HEADER = "SECURITY_TOKEN"  # noqa: S105 a header name, not a secret
"""ENTSO-E accepts the token as this header; unlike the query form it never shows up in a URL."""
DEFAULT_MAX_BODY_BYTES = DEFAULT_MAX_BYTES


class _TokenHeader(httpx.Auth):
    """Adds the token header at send time, so it is not kept in the client's default headers."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[TOKEN_HEADER] = self._token.get_secret_value()
        yield request

    def __repr__(self) -> str:
        return "_TokenHeader(token=***)"


class EntsoeClient:
    """GET ENTSO-E documents with one token: paced by a rate limiter, retried, parsed and classified.

    Use as `async with EntsoeClient(url, token) as client: await client.fetch_range(...)`.
    """

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        rate_limiter: RateLimiter | None = None,
        timeout: float = 60.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        max_retry_after: float = 30.0,
        default_retry_after: float = 60.0,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if "?" in base_url or "#" in base_url:
            # httpx logs the URL, so it must never carry the token; the message does not echo it
            raise ValueError("base_url must not carry a query string or fragment")
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self._url = base_url
        self._limiter: RateLimiter = rate_limiter if rate_limiter is not None else TokenBucket()
        self._timeout = timeout
        self._policy = RetryPolicy(
            max_retries, backoff_base, backoff_cap, max_retry_after, default_retry_after
        )
        self._reader = AnswerReader(token, default_retry_after)
        self._max_body = max_body_bytes
        self._clock = clock
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._http = httpx.AsyncClient(
            auth=_TokenHeader(token),
            timeout=httpx.Timeout(timeout),
            transport=transport,
            headers={"User-Agent": "gridstream-collector"},
            follow_redirects=False,
        )

    @property
    def rate_limiter(self) -> RateLimiter:
        """The limiter every request of this client passes."""
        return self._limiter

    @property
    def retry_policy(self) -> RetryPolicy:
        """Retry bounds and backoff settings."""
        return self._policy

    async def __aenter__(self) -> EntsoeClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"EntsoeClient(base_url={self._url!r}, token=***)"

    async def fetch_range(
        self,
        data_type: DataType | str,
        area: Area | str,
        start: datetime,
        end: datetime,
        *,
        psr_type: str | None = None,
        to_area: Area | str | None = None,
    ) -> list[FetchResult]:
        """Fetch [start, end) in the windows the type allows, every page of each, in order."""
        requests = plan_requests(data_type, area, start, end, psr_type=psr_type, to_area=to_area)
        results: list[FetchResult] = []
        for request in requests:
            results.extend(await self.fetch_pages(request))
        return results

    async def fetch_pages(self, request: EntsoeRequest) -> list[FetchResult]:
        """Fetch one window; for paged types follow `offset` while a page is full (100 TimeSeries)."""
        results = [await self.fetch(request)]
        while request.paged and _page_full(results[-1]):
            if request.offset >= MAX_OFFSET:
                raise EntsoeBadRequest(
                    f"{request.describe()}: more than {MAX_OFFSET + PAGE_SIZE} TimeSeries, the most "
                    "ENTSO-E pages out; request a shorter window",
                    attempts=sum(result.attempts for result in results),
                )
            request = request.with_offset(request.offset + PAGE_SIZE)
            results.append(await self.fetch(request))
        return results

    async def fetch(self, request: EntsoeRequest) -> FetchResult:
        """One request, retried on transient errors and short 429s; raises an EntsoeError subclass."""
        sent = 0
        while True:
            try:
                await self._wait_for_slot(request)
                sent += 1
                return await self._attempt(request, sent)
            except EntsoeError as exc:
                exc.attempts = sent
                delay = self._retry_delay(exc, sent)
                if delay is None:
                    raise
                logger.warning(
                    "ENTSO-E request %s failed (%s), retry %d/%d in %.2fs",
                    request.describe(),
                    exc.message,
                    sent,
                    self._policy.max_retries,
                    delay,
                    extra={"entsoe_error_kind": exc.kind, "entsoe_attempt": sent},
                )
                await self._sleep(delay)

    def _retry_delay(self, exc: EntsoeError, attempt: int) -> float | None:
        """Seconds to wait before retrying after `exc`, or None to give up now."""
        if attempt > self._policy.max_retries:
            return None
        if isinstance(exc, EntsoeRateLimited):
            # The limiter already holds every request back for the cool-down.
            return 0.0 if exc.retry_after <= self._policy.max_retry_after else None
        if isinstance(exc, EntsoeTransientError):
            return self._policy.backoff(attempt, self._rng)
        return None

    async def _wait_for_slot(self, request: EntsoeRequest) -> None:
        """Take a rate-limit slot, unless a cool-down runs longer than the client should block."""
        remaining = await self._limiter.cooling_down_for()
        if remaining > self._policy.max_retry_after:
            raise EntsoeRateLimited(
                f"{request.describe()}: the token is cooling down after HTTP 429 for another "
                f"{remaining:.0f}s",
                retry_after=remaining,
                status=None,
            )
        await self._limiter.acquire()

    async def _attempt(self, request: EntsoeRequest, attempt: int) -> FetchResult:
        """Send once and read the answer; the typed error of a failed exchange or a bad answer."""
        response, body, elapsed = await self._send(request)
        logger.debug(
            "ENTSO-E %s -> HTTP %d, %d bytes in %.3fs (attempt %d)",
            request.describe(),
            response.status_code,
            len(body),
            elapsed,
            attempt,
            extra={"entsoe_status": response.status_code, "entsoe_attempt": attempt},
        )
        now = self._clock()
        try:
            document = self._reader.read(request, response, body, now)
        except EntsoeRateLimited as exc:
            await self._limiter.cool_down(exc.retry_after)
            raise
        return FetchResult(request, response.status_code, body, elapsed, attempt, document)

    async def _send(self, request: EntsoeRequest) -> tuple[httpx.Response, bytes, float]:
        """The response, its body and the seconds it took; httpx failures become typed errors."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                response, body = await self._exchange(request)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise EntsoeTransientError(
                f"{request.describe()}: no complete answer within {self._timeout:g}s "
                f"({type(exc).__name__})"
            ) from exc
        except httpx.DecodingError as exc:
            raise EntsoeParseError(
                f"{request.describe()}: the body could not be decoded ({type(exc).__name__}: "
                f"{self._reader.clean(str(exc))})"
            ) from exc
        except httpx.TransportError as exc:
            detail = self._reader.clean(str(exc))
            raise EntsoeTransientError(
                f"{request.describe()}: connection failed ({type(exc).__name__}: {detail})"
            ) from exc
        return response, body, time.perf_counter() - started

    async def _exchange(self, request: EntsoeRequest) -> tuple[httpx.Response, bytes]:
        """Send the GET and read the body, refusing bodies over the size limit."""
        async with self._http.stream("GET", self._url, params=request.params()) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self._max_body:
                    raise EntsoeParseError(
                        f"{request.describe()}: response body exceeds {self._max_body} bytes",
                        status=response.status_code,
                    )
                chunks.append(chunk)
            return response, b"".join(chunks)


def _page_full(result: FetchResult) -> bool:
    return not result.no_data and result.timeseries_count >= PAGE_SIZE
