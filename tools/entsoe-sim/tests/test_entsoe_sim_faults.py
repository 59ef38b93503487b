"""Every fault over real HTTP, installed at start or through POST /admin/faults."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gridstream.collector.entsoe.parse_errors import ParseError
from gridstream.collector.entsoe.parser import parse_document
from gridstream.contracts import DataType, get_area
from gridstream.entsoe_sim import HoleFault, ManualClock, value_at
from gridstream.entsoe_sim.queries import query_for
from gridstream.testing import wait_until

TOKEN = "sim-test-token-7d41"
DAY = datetime(2024, 6, 14, 22, tzinfo=UTC)
LOAD = query_for(DataType.ACTUAL_LOAD, "DE_LU", DAY, DAY + timedelta(days=1))
PRICES = query_for(DataType.DAY_AHEAD_PRICE, "NL", DAY, DAY + timedelta(days=1))
DE_LU = get_area("DE_LU")

StartSim = Callable[..., Awaitable[httpx.AsyncClient]]


async def get(sim: httpx.AsyncClient, params: dict[str, str] = LOAD) -> httpx.Response:
    return await sim.get("/api", params=params | {"securityToken": TOKEN})


async def install(sim: httpx.AsyncClient, *faults: dict[str, Any]) -> list[int]:
    response = await sim.post("/admin/faults", json={"faults": list(faults)})
    assert response.status_code == 201, response.text
    ids: list[int] = response.json()["ids"]
    return ids


def load_points(response: httpx.Response) -> dict[datetime, float | None]:
    document = parse_document(response.content)
    return dict(document.series[0].points())


async def test_503_for_the_next_n_requests(sim: httpx.AsyncClient) -> None:
    await install(sim, {"kind": "http_503", "next_n": 2})
    first, second, third = [await get(sim) for _ in range(3)]
    for refused in (first, second):
        assert refused.status_code == 503
        assert refused.content == b""
        assert refused.headers["content-type"] == "application/xml"
    assert third.status_code == 200


async def test_429_with_retry_after_for_requests_k_to_m(sim: httpx.AsyncClient) -> None:
    await install(sim, {"kind": "http_429", "requests": [2, 3], "retry_after": 7})
    responses = [await get(sim) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 429, 429, 200]
    assert responses[1].headers["retry-after"] == "7"


async def test_filters_by_document_type_and_area(sim: httpx.AsyncClient) -> None:
    await install(
        sim, {"kind": "http_503", "document_type": "A44"}, {"kind": "http_503", "area": "FR"}
    )
    assert (await get(sim, LOAD)).status_code == 200
    assert (await get(sim, PRICES)).status_code == 503
    french = query_for(DataType.ACTUAL_LOAD, "FR", DAY, DAY + timedelta(days=1))
    assert (await get(sim, french)).status_code == 503
    flows = query_for(
        DataType.CROSSBORDER_FLOW, "DE_LU", DAY, DAY + timedelta(days=1), to_area="FR"
    )
    assert (await get(sim, flows)).status_code == 503  # FR is named as in_Domain


async def test_probability_is_seeded_and_bounded(start_sim: StartSim) -> None:
    async def pattern() -> list[int]:
        sim = await start_sim(faults=[{"kind": "http_503", "probability": 0.5}])
        return [(await get(sim)).status_code for _ in range(30)]

    first, second = await pattern(), await pattern()
    assert first == second  # same seed, same draws
    assert 5 < first.count(503) < 25
    never = await start_sim(faults=[{"kind": "http_503", "probability": 0.0}])
    assert {(await get(never)).status_code for _ in range(10)} == {200}


async def test_from_time_follows_the_simulator_clock(
    sim: httpx.AsyncClient, sim_clock: ManualClock
) -> None:
    await install(sim, {"kind": "http_503", "from_time": "2026-01-10T13:00:00Z"})
    assert (await get(sim)).status_code == 200
    sim_clock.advance(timedelta(hours=1))
    assert (await get(sim)).status_code == 503


async def test_slow_responses_wait(sim: httpx.AsyncClient) -> None:
    await install(sim, {"kind": "slow", "delay_seconds": 0.6, "next_n": 1})
    started = time.monotonic()
    assert (await get(sim)).status_code == 200
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    await get(sim)
    assert time.monotonic() - started < 0.6


async def test_hanging_response_until_the_client_gives_up(sim: httpx.AsyncClient) -> None:
    await install(sim, {"kind": "hang", "next_n": 1})
    with pytest.raises(httpx.ReadTimeout):
        await sim.get("/api", params=LOAD | {"securityToken": TOKEN}, timeout=0.5)

    async def client_gone_counted() -> bool:
        return "499" in (await sim.get("/admin/stats")).json()["by_status"]

    await wait_until(client_gone_counted, timeout=5.0)
    assert (await get(sim)).status_code == 200


async def test_hang_ends_with_408_at_the_cut_off(sim: httpx.AsyncClient) -> None:
    await install(sim, {"kind": "hang", "max_seconds": 0.3})
    response = await get(sim)
    assert response.status_code == 408
    assert "Request Time-out" in response.text


async def test_truncated_body_does_not_parse(sim: httpx.AsyncClient) -> None:
    full = await get(sim)
    await install(sim, {"kind": "truncate", "keep_fraction": 0.4})
    cut = await get(sim)
    assert cut.status_code == 200
    assert cut.content == full.content[: int(len(full.content) * 0.4)]
    with pytest.raises(ParseError):
        parse_document(cut.content)


async def test_truncated_connection_drops_mid_body(sim: httpx.AsyncClient) -> None:
    await install(sim, {"kind": "truncate", "mode": "connection", "next_n": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        await get(sim)
    assert (await get(sim)).status_code == 200


async def test_hole_splits_the_series_into_periods(sim: httpx.AsyncClient) -> None:
    await install(
        sim, {"kind": "hole", "start": "2024-06-15T04:00:00Z", "end": "2024-06-15T06:30:00Z"}
    )
    document = parse_document((await get(sim)).content)
    stretches = document.series[0].stretches
    assert [(s.start, s.end) for s in stretches] == [
        (DAY, datetime(2024, 6, 15, 4, tzinfo=UTC)),
        (datetime(2024, 6, 15, 6, 30, tzinfo=UTC), DAY + timedelta(days=1)),
    ]
    assert sum(len(s.points) for s in stretches) == 96 - 10


async def test_hole_for_one_qualifier_only(sim: httpx.AsyncClient) -> None:
    hole = HoleFault(start=DAY, end=DAY + timedelta(hours=6), qualifier="B16")
    await install(sim, hole.model_dump(mode="json"))
    params = query_for(DataType.GENERATION_ACTUAL, "DE_LU", DAY, DAY + timedelta(days=1))
    document = parse_document((await get(sim, params)).content)
    firsts = {s.key.qualifier: s.stretches[0].start for s in document.series}
    assert firsts["B16"] == DAY + timedelta(hours=6)
    assert firsts["B19"] == DAY


async def test_spike_multiplies_given_slots(sim: httpx.AsyncClient) -> None:
    at = datetime(2024, 6, 15, 9, 15, tzinfo=UTC)
    await install(sim, {"kind": "spike", "timestamps": [at.isoformat()], "factor": 10})
    points = load_points(await get(sim))
    base = value_at(1, DE_LU, DataType.ACTUAL_LOAD, "", at)
    assert base is not None
    assert points[at] == pytest.approx(base * 10)
    before = at - timedelta(minutes=15)
    assert points[before] == value_at(1, DE_LU, DataType.ACTUAL_LOAD, "", before)


async def test_revision_changes_values_and_raises_revision_number(sim: httpx.AsyncClient) -> None:
    start, end = datetime(2024, 6, 15, 8, tzinfo=UTC), datetime(2024, 6, 15, 10, tzinfo=UTC)
    await install(
        sim,
        {"kind": "revision", "start": start.isoformat(), "end": end.isoformat(), "from_request": 2},
    )
    first, second = await get(sim), await get(sim)
    assert parse_document(first.content).revision_number == 1
    assert parse_document(second.content).revision_number == 2
    before, after = load_points(first), load_points(second)
    changed = {ts for ts in before if before[ts] != after[ts]}
    assert changed == {start + timedelta(minutes=15 * k) for k in range(8)}
    assert (await get(sim)).content == second.content  # the revision stays published


async def test_revision_with_factor_outside_the_window_changes_nothing(
    sim: httpx.AsyncClient,
) -> None:
    await install(
        sim,
        {
            "kind": "revision",
            "start": "2024-06-20T00:00:00Z",
            "end": "2024-06-21T00:00:00Z",
            "factor": 2,
        },
        {
            "kind": "revision",
            "start": "2024-06-15T00:00:00Z",
            "end": "2024-06-15T00:15:00Z",
            "factor": 2,
        },
    )
    document = parse_document((await get(sim)).content)
    assert document.revision_number == 2
    at = datetime(2024, 6, 15, tzinfo=UTC)
    base = value_at(1, DE_LU, DataType.ACTUAL_LOAD, "", at)
    assert base is not None
    assert dict(document.series[0].points())[at] == pytest.approx(2 * base)


async def test_faults_installed_at_start(start_sim: StartSim) -> None:
    sim = await start_sim(faults=[{"kind": "http_503", "next_n": 1}])
    assert [(await get(sim)).status_code for _ in range(2)] == [503, 200]


async def test_admin_lists_removes_and_clears_faults(sim: httpx.AsyncClient) -> None:
    first, second = await install(sim, {"kind": "http_503"}, {"kind": "http_429"})
    await get(sim)
    listed = (await sim.get("/admin/faults")).json()["faults"]
    assert [(f["id"], f["kind"], f["matched"], f["fired"]) for f in listed] == [
        (first, "http_503", 1, 1),
        (second, "http_429", 1, 1),
    ]
    assert (await sim.delete(f"/admin/faults/{first}")).status_code == 200
    assert (await sim.delete(f"/admin/faults/{first}")).status_code == 404
    assert (await get(sim)).status_code == 429
    assert (await sim.delete("/admin/faults")).status_code == 200
    assert (await get(sim)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "meteor"},
        {"kind": "slow"},
        {"kind": "http_503", "probability": 2},
        {"kind": "hole", "start": "2024-06-15T06:00:00Z", "end": "2024-06-15T04:00:00Z"},
        {"kind": "http_503", "requests": [3, 2]},
        {"kind": "http_503", "area": "ATLANTIS"},
    ],
)
async def test_invalid_faults_are_refused_with_a_reason(
    sim: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await sim.post("/admin/faults", json=body)
    assert response.status_code == 422
    assert response.json()["details"]
    assert (await sim.get("/admin/faults")).json()["faults"] == []


async def test_concurrent_requests_are_served_while_one_hangs(sim: httpx.AsyncClient) -> None:
    await install(sim, {"kind": "hang", "next_n": 1})
    hanging = asyncio.create_task(
        sim.get("/api", params=LOAD | {"securityToken": TOKEN}, timeout=3.0)
    )
    await asyncio.sleep(0.2)
    assert (await get(sim)).status_code == 200
    with pytest.raises(httpx.ReadTimeout):
        await hanging
