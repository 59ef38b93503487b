"""The token bucket on a virtual clock: burst, steady rate, cool-down, fairness."""

import asyncio
import itertools

import pytest

from gridstream.collector.entsoe.ratelimit import RateLimiter, TokenBucket


class VirtualTime:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def bucket(time: VirtualTime, rate: float = 6.0, burst: int = 6) -> TokenBucket:
    return TokenBucket(rate, burst, clock=time.clock, sleep=time.sleep)


async def acquire_times(limiter: TokenBucket, time: VirtualTime, n: int) -> list[float]:
    times = []
    for _ in range(n):
        await limiter.acquire()
        times.append(time.now)
    return times


def test_token_bucket_is_a_rate_limiter() -> None:
    assert isinstance(TokenBucket(), RateLimiter)
    assert (TokenBucket().rate, TokenBucket().burst) == (6.0, 6)


async def test_burst_goes_at_once_then_the_rate_holds() -> None:
    time = VirtualTime()
    times = await acquire_times(bucket(time, rate=6.0, burst=3), time, 15)
    assert times[:3] == [1_000.0] * 3
    assert times[-1] - times[0] == pytest.approx((15 - 3) / 6.0)
    gaps = [b - a for a, b in itertools.pairwise(times[2:])]
    assert all(gap == pytest.approx(1 / 6.0) for gap in gaps)


async def test_idle_time_refills_up_to_the_burst_only() -> None:
    time = VirtualTime()
    limiter = bucket(time, rate=2.0, burst=2)
    await acquire_times(limiter, time, 2)
    time.now += 100.0
    times = await acquire_times(limiter, time, 4)
    assert times[0] == times[1]
    assert times[3] - times[1] == pytest.approx(1.0)


async def test_cool_down_holds_every_request_and_restarts_with_one_token() -> None:
    time = VirtualTime()
    limiter = bucket(time, rate=4.0, burst=4)
    await limiter.cool_down(10.0)
    assert await limiter.cooling_down_for() == 10.0
    times = await acquire_times(limiter, time, 3)
    # Nothing saved up during the cool-down: one token at its end, then the rate.
    assert times[0] == pytest.approx(1_010.0)
    assert times[1] == pytest.approx(1_010.25)
    assert times[2] == pytest.approx(1_010.5)
    assert await limiter.cooling_down_for() == 0.0


async def test_cool_down_extends_but_never_shortens() -> None:
    time = VirtualTime()
    limiter = bucket(time)
    await limiter.cool_down(30.0)
    await limiter.cool_down(5.0)
    assert await limiter.cooling_down_for() == 30.0
    time.now += 10.0
    await limiter.cool_down(60.0)
    assert await limiter.cooling_down_for() == 60.0


async def test_concurrent_waiters_share_the_rate() -> None:
    time = VirtualTime()
    limiter = bucket(time, rate=10.0, burst=1)
    served: list[float] = []

    async def worker() -> None:
        for _ in range(5):
            await limiter.acquire()
            served.append(time.now)

    await asyncio.gather(*(worker() for _ in range(4)))
    assert len(served) == 20
    assert served[-1] - served[0] == pytest.approx(19 / 10.0)


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_bucket_rejects_nonsense(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 each case has its own message
        TokenBucket(rate, burst)
