"""Fixtures of the collector's integration tests: simulator, settings, running collectors, events."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from nats.aio.client import Client
from pydantic import SecretStr

from gridstream.collector.app import Collector, build_collector
from gridstream.collector.settings import CollectorSettings
from gridstream.entsoe_sim.app import build_app
from gridstream.entsoe_sim.config import SimConfig
from gridstream.testing import follow_stream, run_uvicorn

from .support import SIM_TOKEN, EventLog, Harness, Sim


def _recording(app: Any, log: list[dict[str, str]]) -> Any:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/api":
            log.append(dict(parse_qsl(scope["query_string"].decode())))
        await app(scope, receive, send)

    return wrapped


@pytest.fixture
def sim_config() -> SimConfig:
    """The simulator's configuration; a test module overrides this fixture to change it."""
    return SimConfig(tokens=(SecretStr(SIM_TOKEN),))


@pytest.fixture
async def sim(sim_config: SimConfig) -> AsyncIterator[Sim]:
    """A running ENTSO-E simulator; its API is at `<url>/api`."""
    log: list[dict[str, str]] = []
    async with run_uvicorn(_recording(build_app(sim_config), log)) as url:
        yield Sim(url=url, requests=log)


@pytest.fixture
def sim_url(sim: Sim) -> str:
    """Base URL of the simulator."""
    return sim.url


@pytest.fixture
def collector_settings(
    database_url: str, nats_url: str, sim_url: str
) -> Callable[..., CollectorSettings]:
    """Settings for a test collector; keyword overrides change single fields."""

    def make(**overrides: Any) -> CollectorSettings:
        values: dict[str, Any] = {
            "database_url": SecretStr(database_url),
            "nats_url": nats_url,
            "http_port": 0,
            "entsoe_api_token": SecretStr(SIM_TOKEN),
            "entsoe_api_url": f"{sim_url}/api",
            "entsoe_backoff_base": 0.05,
            "entsoe_backoff_cap": 0.2,
            "retry_base_delay": 0.2,
            "retry_max_delay": 1.0,
            "outbox_poll_interval": 0.2,
            "heartbeat_interval": 5.0,
            "backfill_poll_interval": 0.2,
            "backfill_lease": 2.0,
            "backfill_retry_base": 0.2,
        }
        values.update(overrides)
        return CollectorSettings(**values)

    return make


@pytest.fixture
def run_collector(
    collector_settings: Callable[..., CollectorSettings],
) -> Callable[..., AbstractAsyncContextManager[Collector]]:
    """Start a collector process in this event loop; stopped when the block ends."""

    @asynccontextmanager
    async def run(
        transport: httpx.AsyncBaseTransport | None = None, **overrides: Any
    ) -> AsyncIterator[Collector]:
        collector = build_collector(collector_settings(**overrides), entsoe_transport=transport)
        async with collector.runner:
            yield collector

    return run


@pytest.fixture
async def events(nats_client: Client) -> AsyncIterator[EventLog]:
    """Records every event (streams are created by the collector; wait for them)."""
    async for log in follow_stream(nats_client, "GRIDSTREAM_EVT", "gridstream.evt.>"):
        yield log


@pytest.fixture
def h(
    run_collector: Callable[..., AbstractAsyncContextManager[Collector]],
    nats_client: Client,
    events: EventLog,
    database_url: str,
    sim: Sim,
) -> Harness:
    """The collector starter and the servers of one test, in one object."""
    return Harness(run_collector, nats_client, events, database_url, sim)
