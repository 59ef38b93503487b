"""The PostgreSQL token bucket against a real server: rate, burst, cool-down, two processes sharing it.

Every timing assertion is a lower bound the bucket itself guarantees (a loaded machine only makes
the measured times longer), or a generous upper bound far from the behaviour it rules out.
"""

import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gridstream.collector.app import MIGRATIONS
from gridstream.collector.entsoe.ratelimit import RateLimiter
from gridstream.collector.limiter import PostgresRateLimiter
from gridstream.runtime import create_engine, run_migrations

BUCKET = "entsoe:test"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, "collector")
    await run_migrations(engine, "collector", MIGRATIONS)
    yield engine
    await engine.dispose()


async def take(limiter: PostgresRateLimiter, count: int) -> list[float]:
    """Take `count` tokens; the wall-clock time each was granted by (after its call returned)."""
    stamps = []
    for _ in range(count):
        await limiter.acquire()
        stamps.append(time.time())
    return stamps


def assert_paced(started: float, stamps: list[float], rate: float, burst: int) -> None:
    """The k-th grant (1-based) comes no earlier than (k - burst) / rate after `started`.

    The bucket holds at most `burst` tokens when the first call starts and gains `rate` per second.
    """
    for k, stamp in enumerate(sorted(stamps), start=1):
        assert stamp - started >= (k - burst) / rate, f"grant {k} came too early"


async def test_the_burst_goes_at_once_then_the_rate_holds(engine: AsyncEngine) -> None:
    limiter = PostgresRateLimiter(engine, BUCKET, rate=10.0, burst=3)
    assert isinstance(limiter, RateLimiter)
    started = time.time()
    stamps = await take(limiter, 13)
    assert_paced(started, stamps, rate=10.0, burst=3)
    # The burst is real: three tokens well before one refill of a slow bucket (5 s) is due.
    slow = PostgresRateLimiter(engine, "entsoe:slow", rate=0.2, burst=3)
    started = time.time()
    await take(slow, 3)
    assert time.time() - started < 4.0


async def test_no_burst_follows_a_cool_down(engine: AsyncEngine) -> None:
    rate, burst, pause = 10.0, 6, 1.0
    limiter = PostgresRateLimiter(engine, BUCKET, rate=rate, burst=burst)
    assert await limiter.cooling_down_for() == 0.0  # a full bucket: 6 saved up
    started = time.time()
    await limiter.cool_down(pause)
    assert 0.0 < await limiter.cooling_down_for() <= pause
    stamps = await take(limiter, 4)
    # One token when the cool-down ends, then one per 1/rate: not the 6 saved up before it.
    for k, stamp in enumerate(stamps):
        assert stamp - started >= pause + k / rate, f"request {k + 1} came too early"


async def test_a_cool_down_extends_but_never_shortens(engine: AsyncEngine) -> None:
    limiter = PostgresRateLimiter(engine, BUCKET, rate=10.0, burst=2)
    await limiter.cool_down(60.0)
    await limiter.cool_down(1.0)
    assert 50.0 < await limiter.cooling_down_for() <= 60.0
    await limiter.cool_down(120.0)
    assert 110.0 < await limiter.cooling_down_for() <= 120.0


_TAKER = """
import asyncio, json, os, sys, time
from gridstream.collector.limiter import PostgresRateLimiter
from gridstream.runtime import create_engine

async def main():
    engine = create_engine(os.environ["LIMITER_DATABASE_URL"], "collector")
    limiter = PostgresRateLimiter(engine, sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
    await limiter.cooling_down_for()  # connected, bucket row in place
    print("ready", flush=True)
    sys.stdin.readline()
    started, stamps = time.time(), []
    for _ in range(int(sys.argv[4])):
        await limiter.acquire()
        stamps.append(time.time())
    print(json.dumps({"started": started, "stamps": stamps}), flush=True)
    await engine.dispose()

asyncio.run(main())
"""


async def test_two_processes_share_one_rate(engine: AsyncEngine, database_url: str) -> None:
    rate, burst, each = 8.0, 2, 12
    # The bucket exists (full) before either process starts.
    await PostgresRateLimiter(engine, BUCKET, rate, burst).cooling_down_for()
    env = {**os.environ, "LIMITER_DATABASE_URL": database_url}
    args = [BUCKET, str(rate), str(burst), str(each)]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _TAKER,
            *args,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert await asyncio.wait_for(proc.stdout.readline(), 60) == b"ready\n"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
    outputs = [json.loads((await asyncio.wait_for(p.communicate(), 120))[0]) for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    stamps = [s for out in outputs for s in out["stamps"]]
    assert len(stamps) == 2 * each
    # Shared: together they get no more than one bucket's worth, whoever asked first.
    assert_paced(min(out["started"] for out in outputs), stamps, rate, burst)
    # And both really competed: each was served while the other still waited.
    first_done = min(max(out["stamps"]) for out in outputs)
    assert all(min(out["stamps"]) < first_done for out in outputs)
