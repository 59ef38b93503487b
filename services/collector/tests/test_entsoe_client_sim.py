"""The client against the ENTSO-E simulator over real HTTP: every data type and every fault it offers."""

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from gridstream.collector.entsoe.client import EntsoeClient
from gridstream.collector.entsoe.errors import (
    EntsoeAuthError,
    EntsoeBadRequest,
    EntsoeParseError,
    EntsoeRateLimited,
    EntsoeTransientError,
)
from gridstream.collector.entsoe.ratelimit import TokenBucket
from gridstream.collector.entsoe.requests import EntsoeRequest, build_request
from gridstream.contracts import DataType
from gridstream.entsoe_sim import (
    FaultSpec,
    HangFault,
    Http429Fault,
    Http503Fault,
    ManualClock,
    RevisionFault,
    SimConfig,
    SlowFault,
    TruncateFault,
    build_app,
    token_label,
)
from gridstream.testing import run_uvicorn

TOKEN = "sim-token-7d1e"
NOW = datetime(2025, 3, 10, 12, tzinfo=UTC)
DAY = datetime(2025, 3, 3, 23, tzinfo=UTC)
LOAD = build_request(DataType.ACTUAL_LOAD, "NL", DAY, DAY + timedelta(days=1))
FAST: dict[str, Any] = {"max_retries": 3, "backoff_base": 0.01, "backoff_cap": 0.05}


@dataclass
class Sim:
    url: str

    def client(self, token: str = TOKEN, **kwargs: Any) -> EntsoeClient:
        options: dict[str, Any] = {"rate_limiter": TokenBucket(1000.0, 1000), **FAST}
        options.update(kwargs)
        return EntsoeClient(f"{self.url}/api", SecretStr(token), **options)

    async def stats(self, token: str = TOKEN) -> dict[str, Any]:
        async with httpx.AsyncClient() as http:
            snapshot: dict[str, Any] = (await http.get(f"{self.url}/admin/stats")).json()
        by_token: dict[str, Any] = snapshot["by_token"].get(token_label(token), {})
        return {"all": snapshot, **by_token}


SimFactory = Callable[..., AbstractAsyncContextManager[Sim]]


@pytest.fixture
def simulator() -> SimFactory:
    @asynccontextmanager
    async def start(*faults: FaultSpec, **config: Any) -> AsyncIterator[Sim]:
        settings = SimConfig(tokens=(SecretStr(TOKEN),), faults=faults, **config)
        async with run_uvicorn(build_app(settings, clock=ManualClock(NOW))) as url:
            yield Sim(url)

    return start


FLOW_PEERS = {"DE_LU": "NL", "FR": "BE", "NL": "DE_LU"}


@pytest.mark.parametrize("area", ["DE_LU", "FR", "NL"])
async def test_every_data_type_over_a_month_boundary(simulator: SimFactory, area: str) -> None:
    start, end = datetime(2025, 1, 30, 6, tzinfo=UTC), datetime(2025, 2, 2, 6, tzinfo=UTC)
    async with simulator() as sim, sim.client() as client:
        made = 0
        for data_type in DataType:
            to_area = FLOW_PEERS[area] if data_type is DataType.CROSSBORDER_FLOW else None
            results = await client.fetch_range(data_type, area, start, end, to_area=to_area)
            made += sum(result.attempts for result in results)
            assert results, data_type
            assert all(r.document.data_type == data_type for r in results)
            assert any(list(s.points()) for r in results for s in r.document.series), data_type
        stats = await sim.stats()
    assert stats["total"] == made
    assert stats["by_status"] == {"200": made}


async def test_503s_are_retried_until_the_data_comes(simulator: SimFactory) -> None:
    async with simulator(Http503Fault(next_n=2)) as sim, sim.client() as client:
        result = await client.fetch(LOAD)
        stats = await sim.stats()
    assert (result.attempts, result.no_data) == (3, False)
    assert stats["by_status"] == {"503": 2, "200": 1}


async def test_endless_503s_end_as_a_transient_error(simulator: SimFactory) -> None:
    async with simulator(Http503Fault()) as sim, sim.client(max_retries=2) as client:
        with pytest.raises(EntsoeTransientError) as caught:
            await client.fetch(LOAD)
        stats = await sim.stats()
    assert (caught.value.status, caught.value.attempts) == (503, 3)
    assert stats["by_status"] == {"503": 3}


async def test_a_429_fault_cools_down_then_succeeds(simulator: SimFactory) -> None:
    async with simulator(Http429Fault(next_n=1, retry_after=1)) as sim, sim.client() as client:
        started = time.monotonic()
        result = await client.fetch(LOAD)
        took = time.monotonic() - started
        stats = await sim.stats()
    assert result.attempts == 2
    assert took >= 1.0
    assert stats["by_status"] == {"429": 1, "200": 1}


async def test_a_long_429_is_handed_back_with_its_delay(simulator: SimFactory) -> None:
    async with simulator(Http429Fault(retry_after=600)) as sim, sim.client() as client:
        with pytest.raises(EntsoeRateLimited) as caught:
            await client.fetch(LOAD)
        with pytest.raises(EntsoeRateLimited):
            await client.fetch(LOAD)  # the token is cooling down: nothing is sent
        stats = await sim.stats()
    assert caught.value.retry_after == 600.0
    assert stats["total"] == 1


async def test_a_polite_client_never_meets_the_simulator_limit(simulator: SimFactory) -> None:
    limits = {"rate_limit_per_minute": 5, "rate_limit_window_seconds": 1.0}
    async with simulator(**limits) as sim, sim.client(rate_limiter=TokenBucket(4.0, 1)) as client:
        for _ in range(10):
            await client.fetch(LOAD)
        stats = await sim.stats()
    assert stats["by_status"] == {"200": 10}
    assert stats["max_per_1s"] <= 5


async def test_a_pushy_client_is_throttled_by_429s_and_still_completes(
    simulator: SimFactory,
) -> None:
    limits = {"rate_limit_per_minute": 5, "rate_limit_window_seconds": 1.0}
    async with simulator(**limits) as sim, sim.client(max_retries=6) as client:
        for _ in range(8):
            result = await client.fetch(LOAD)
            assert result.status == 200
        stats = await sim.stats()
    assert stats["by_status"]["200"] == 8
    assert stats["by_status"]["429"] >= 1


async def test_a_slow_answer_within_the_timeout_is_fine(simulator: SimFactory) -> None:
    async with simulator(SlowFault(delay_seconds=0.3)) as sim, sim.client(timeout=5.0) as client:
        result = await client.fetch(LOAD)
    assert (result.attempts, result.status) == (1, 200)
    assert result.elapsed >= 0.3


@pytest.mark.parametrize(
    "fault", [SlowFault(delay_seconds=3.0, next_n=1), HangFault(max_seconds=60, next_n=1)]
)
async def test_slow_and_hanging_answers_time_out_and_are_retried(
    simulator: SimFactory, fault: FaultSpec
) -> None:
    async with simulator(fault) as sim, sim.client(timeout=0.5) as client:
        result = await client.fetch(LOAD)
        stats = await sim.stats()
    assert (result.attempts, result.status) == (2, 200)
    assert stats["total"] == 2


async def test_a_truncated_document_is_a_parse_error(simulator: SimFactory) -> None:
    async with simulator(TruncateFault(keep_fraction=0.6)) as sim, sim.client() as client:
        with pytest.raises(EntsoeParseError) as caught:
            await client.fetch(LOAD)
        stats = await sim.stats()
    assert (caught.value.kind, caught.value.attempts) == ("parse", 1)
    assert stats["total"] == 1


async def test_a_connection_cut_mid_body_is_retried(simulator: SimFactory) -> None:
    fault = TruncateFault(keep_fraction=0.3, mode="connection", next_n=1)
    async with simulator(fault) as sim, sim.client() as client:
        result = await client.fetch(LOAD)
        stats = await sim.stats()
    assert result.attempts == 2
    assert stats["total"] == 2


async def test_a_wrong_token_is_an_auth_error_without_retry(simulator: SimFactory) -> None:
    async with simulator() as sim, sim.client(token="not-the-token") as client:
        with pytest.raises(EntsoeAuthError, match="Authentication failed") as caught:
            await client.fetch(LOAD)
        stats = await sim.stats()
    assert caught.value.status == 401
    assert stats["all"]["by_status"] == {"401": 1}


async def test_before_the_history_start_is_no_data(simulator: SimFactory) -> None:
    early = build_request(
        DataType.ACTUAL_LOAD,
        "NL",
        datetime(2014, 6, 1, tzinfo=UTC),
        datetime(2014, 6, 2, tzinfo=UTC),
    )
    async with simulator() as sim, sim.client() as client:
        result = await client.fetch(early)
    assert result.no_data
    assert result.document.series == []


@dataclass(frozen=True, slots=True)
class _UnknownParameter(EntsoeRequest):
    """A request with a parameter the API does not have (what a client bug would send)."""

    def params(self) -> dict[str, str]:
        return EntsoeRequest.params(self) | {"curveKind": "A03"}


async def test_a_rejected_query_carries_the_simulator_text(simulator: SimFactory) -> None:
    request = _UnknownParameter(LOAD.data_type, LOAD.area, LOAD.start, LOAD.end)
    async with simulator() as sim, sim.client() as client:
        with pytest.raises(EntsoeBadRequest) as caught:
            await client.fetch(request)
    assert caught.value.status == 400
    assert caught.value.reason_text == "Input parameter does not exist: curveKind"


async def test_a_revision_comes_back_with_a_higher_revision_number(simulator: SimFactory) -> None:
    async with simulator() as sim, sim.client() as client:
        before = await client.fetch(LOAD)
        revision = RevisionFault(start=DAY, end=DAY + timedelta(hours=2), factor=1.5)
        async with httpx.AsyncClient() as http:
            added = await http.post(
                f"{sim.url}/admin/faults", json=revision.model_dump(mode="json")
            )
            assert added.status_code == 201
        after = await client.fetch(LOAD)
    old, new = before.document.series[0], after.document.series[0]
    assert (after.document.revision_number or 0) > (before.document.revision_number or 0)
    old_points, new_points = dict(old.points()), dict(new.points())
    assert new_points[DAY] == pytest.approx((old_points[DAY] or 0.0) * 1.5)
    assert new_points[DAY + timedelta(hours=3)] == old_points[DAY + timedelta(hours=3)]
