"""GET /admin/stats, POST /admin/reset, the admin token and the clock endpoint, over real HTTP."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx

from gridstream.contracts import DataType
from gridstream.entsoe_sim import token_label
from gridstream.entsoe_sim.queries import query_for

TOKEN = "sim-test-token-7d41"
OTHER = "other-token-55"
DAY = datetime(2024, 6, 14, 22, tzinfo=UTC)
LOAD = query_for(DataType.ACTUAL_LOAD, "NL", DAY, DAY + timedelta(days=1))
PRICES = query_for(DataType.DAY_AHEAD_PRICE, "NL", DAY, DAY + timedelta(days=1))

StartSim = Callable[..., Awaitable[httpx.AsyncClient]]


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


async def get(
    sim: httpx.AsyncClient, params: dict[str, str], token: str | None = TOKEN
) -> httpx.Response:
    return await sim.get("/api", params=params | ({"securityToken": token} if token else {}))


async def test_stats_count_per_status_token_and_document_type(start_sim: StartSim) -> None:
    sim = await start_sim(tokens=[TOKEN, OTHER], faults=[{"kind": "http_503", "next_n": 1}])
    await get(sim, LOAD)  # 503 (fault)
    await get(sim, LOAD)
    await get(sim, PRICES, OTHER)
    await get(sim, LOAD, None)
    await get(sim, LOAD | {"documentType": "A99"})
    stats = (await sim.get("/admin/stats")).json()
    assert stats["total"] == 5
    assert stats["by_status"] == {"503": 1, "200": 2, "401": 1, "400": 1}
    assert stats["by_document_type"] == {"A65": 3, "A44": 1, "A99": 1}
    assert stats["faults_fired"] == {"http_503": 1}
    mine = stats["by_token"][token_label(TOKEN)]
    assert (mine["total"], mine["by_status"]) == (3, {"503": 1, "200": 1, "400": 1})
    assert stats["by_token"][token_label(OTHER)]["total"] == 1
    assert stats["by_token"]["missing"]["by_status"] == {"401": 1}
    assert TOKEN not in str(stats)
    assert OTHER not in str(stats)


async def test_busiest_rolling_windows_per_token(start_sim: StartSim) -> None:
    clock = FakeMonotonic()
    sim = await start_sim(monotonic=clock)
    for at, count in ((0.0, 3), (0.5, 2), (30.0, 4), (59.9, 1), (120.0, 1)):
        clock.value = 1000.0 + at
        for _ in range(count):
            await get(sim, LOAD)
    mine = (await sim.get("/admin/stats")).json()["by_token"][token_label(TOKEN)]
    assert mine["max_per_1s"] == 5  # 3 at t=0 and 2 at t=0.5
    assert mine["max_per_60s"] == 10  # t=0 .. t=59.9


async def test_rate_limit_window_slides(start_sim: StartSim) -> None:
    clock = FakeMonotonic()
    sim = await start_sim(monotonic=clock, rate_limit_per_minute=3)
    assert [(await get(sim, LOAD)).status_code for _ in range(4)] == [200, 200, 200, 429]
    clock.value += 59.0
    refused = await get(sim, LOAD)
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "1")
    clock.value += 1.0
    assert (await get(sim, LOAD)).status_code == 200


async def test_reset_zeroes_counters_and_rate_windows(start_sim: StartSim) -> None:
    sim = await start_sim(rate_limit_per_minute=1)
    assert [(await get(sim, LOAD)).status_code for _ in range(2)] == [200, 429]
    assert (await sim.post("/admin/reset")).json() == {"reset": True}
    assert (await sim.get("/admin/stats")).json()["total"] == 0
    assert (await get(sim, LOAD)).status_code == 200


async def test_admin_token_guards_admin_endpoints(start_sim: StartSim) -> None:
    sim = await start_sim(admin_token="admin-secret-1")
    for method, path in (
        ("GET", "/admin/stats"),
        ("POST", "/admin/reset"),
        ("GET", "/admin/faults"),
    ):
        assert (await sim.request(method, path)).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await sim.request(method, path, headers=wrong)).status_code == 401
    good = {"Authorization": "Bearer admin-secret-1"}
    assert (await sim.get("/admin/stats", headers=good)).status_code == 200
    assert (
        await sim.post("/admin/faults", json={"kind": "http_503"}, headers=good)
    ).status_code == 201
    assert (await get(sim, LOAD)).status_code == 503


async def test_clock_endpoint_moves_the_publication_horizon(sim: httpx.AsyncClient) -> None:
    tomorrow = datetime(2026, 1, 10, 23, tzinfo=UTC)
    params = query_for(DataType.ACTUAL_LOAD, "NL", tomorrow, tomorrow + timedelta(hours=1))
    assert "No matching data" in (await get(sim, params)).text
    moved = await sim.post("/admin/clock", json={"now": "2026-01-11T02:00:00Z"})
    assert moved.json() == {"now": "2026-01-11T02:00:00+00:00"}
    assert (await get(sim, params)).text.count("<Point>") == 4
    assert (await sim.post("/admin/clock", json={"now": "yesterday"})).status_code == 400


async def test_health(sim: httpx.AsyncClient) -> None:
    response = await sim.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")
