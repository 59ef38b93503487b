"""Fixtures for the simulator's tests: a simulator served by uvicorn on a free local port."""

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import httpx
import pytest

from gridstream.entsoe_sim import ManualClock, SimConfig, build_app
from gridstream.testing import run_uvicorn

SIM_TOKEN = "sim-test-token-7d41"
SIM_NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

StartSim = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def start_sim() -> AsyncIterator[StartSim]:
    """Start simulators: `await start_sim(clock=, monotonic=, **SimConfig fields)` gives a client."""
    async with AsyncExitStack() as stack:

        async def start(
            clock: ManualClock | None = None,
            monotonic: Callable[[], float] = time.monotonic,
            **options: object,
        ) -> httpx.AsyncClient:
            options.setdefault("tokens", [SIM_TOKEN])
            config = SimConfig.model_validate(options)
            app = build_app(config, clock=clock or ManualClock(SIM_NOW), monotonic=monotonic)
            url = await stack.enter_async_context(run_uvicorn(app))
            return await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30.0))

        yield start


@pytest.fixture
def sim_clock() -> ManualClock:
    """The clock of the `sim` fixture's simulator (starts at SIM_NOW)."""
    return ManualClock(SIM_NOW)


@pytest.fixture
async def sim(start_sim: StartSim, sim_clock: ManualClock) -> httpx.AsyncClient:
    """A client of a default simulator (seed 1, token SIM_TOKEN, clock `sim_clock`)."""
    return await start_sim(clock=sim_clock)


@pytest.fixture
def sim_token() -> str:
    """The token the default simulator accepts."""
    return SIM_TOKEN
