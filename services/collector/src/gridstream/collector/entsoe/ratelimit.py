"""Client-side throttling of ENTSO-E requests: the limiter interface and an in-process token bucket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

DEFAULT_RATE = 6.0
"""Requests per second; ENTSO-E allows 400 per minute per token and suggests 6-7 per second."""
DEFAULT_BURST = 6
"""Requests that may go out back to back after an idle spell."""

_EPSILON = 1e-9  # float refills land a hair below 1.0; without slack a waiter could spin forever

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@runtime_checkable
class RateLimiter(Protocol):
    """Paces every request made with one token; an implementation may be shared across processes.

    Cool-downs are durations, so each implementation times them on its own clock (a shared one
    on the database's): replicas whose clocks disagree still hold back for the same interval.
    """

    async def acquire(self) -> None:
        """Wait until one more request may be sent (after any cool-down) and take its slot."""

    async def cool_down(self, seconds: float) -> None:
        """Hold every request back for `seconds` from now (extends, never shortens, a running one).

        No tokens build up meanwhile: afterwards the limiter restarts with one token.
        """

    async def cooling_down_for(self) -> float:
        """Seconds left of the running cool-down, 0.0 when there is none."""


class TokenBucket:
    """A token bucket for one process: `rate` tokens per second, at most `burst` saved up.

    Waiters are served in arrival order (they queue on one lock). After a cool-down the bucket restarts
    with a single token, so one request probes the API before the rest follow at `rate`.
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._cool_until = 0.0
        self._lock = asyncio.Lock()

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self._rate

    @property
    def burst(self) -> int:
        """Largest number of back-to-back requests."""
        return int(self._burst)

    async def acquire(self) -> None:
        """Wait for a token (and for any cool-down to end), then take it."""
        async with self._lock:
            while (delay := self._take(self._clock())) > 0:
                await self._sleep(delay)

    async def cool_down(self, seconds: float) -> None:
        """Block all requests for `seconds`; the bucket restarts with one token then."""
        until = self._clock() + seconds
        if until <= self._cool_until:
            return
        self._cool_until = until
        self._tokens = 1.0
        # Nothing accrues during the cool-down: refills count from its end.
        self._updated = max(self._updated, until)

    async def cooling_down_for(self) -> float:
        """Seconds left of the running cool-down, 0.0 when none is running."""
        return max(0.0, self._cool_until - self._clock())

    def _take(self, now: float) -> float:
        """Take a token and return 0, or return how long to wait before trying again."""
        if now < self._cool_until:
            return self._cool_until - now
        if now > self._updated:
            self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
        if self._tokens >= 1.0 - _EPSILON:
            self._tokens = max(0.0, self._tokens - 1.0)
            return 0.0
        return (1.0 - self._tokens) / self._rate

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self._rate}, burst={self.burst})"
