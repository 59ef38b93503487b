"""The simulator behaves like the real API over HTTP: tokens, validation texts, no data, limits, paging."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gridstream.collector.entsoe.parser import parse_document
from gridstream.contracts import DataType, Resolution
from gridstream.entsoe_sim import ManualClock
from gridstream.entsoe_sim.queries import query_for

TOKEN = "sim-test-token-7d41"
DAY = datetime(2024, 6, 14, 22, tzinfo=UTC)
DE_LU = "10Y1001A1001A82H"
LOAD_DAY = query_for(DataType.ACTUAL_LOAD, "DE_LU", DAY, DAY + timedelta(days=1))

StartSim = Callable[..., Awaitable[httpx.AsyncClient]]


async def get(
    sim: httpx.AsyncClient, params: dict[str, str], token: str | None = TOKEN
) -> httpx.Response:
    return await sim.get("/api", params=params | ({"securityToken": token} if token else {}))


def reason(response: httpx.Response) -> str:
    document = parse_document(response.content)
    assert document.reason_text is not None
    return document.reason_text


async def test_token_in_query_or_header(sim: httpx.AsyncClient) -> None:
    by_query = await get(sim, LOAD_DAY)
    by_header = await sim.get("/api", params=LOAD_DAY, headers={"SECURITY_TOKEN": TOKEN})
    assert by_query.status_code == by_header.status_code == 200
    assert by_query.content == by_header.content
    assert by_query.headers["content-type"].startswith("text/xml")


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_missing_or_unknown_token_is_401(sim: httpx.AsyncClient, token: str | None) -> None:
    response = await get(sim, LOAD_DAY, token)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "Authentication failed." in response.text


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"documentType": ""}, "Mandatory parameter documentType is missing."),
        ({"processType": ""}, "Mandatory parameter processType is missing."),
        ({"processType": "A99"}, "check you request against dependency tables"),
        ({"colour": "blue"}, "Input parameter does not exist: colour"),
        (
            {"outBiddingZone_Domain": "10YXX-NOWHERE--1"},
            "Delivered Area EIC 10YXX-NOWHERE--1 is not valid.",
        ),
        ({"outBiddingZone_Domain": "DE_LU"}, "Delivered Area EIC DE_LU is not valid."),
        ({"periodStart": "2024-06-14"}, "Value '2024-06-14' of parameter periodStart is not valid"),
        ({"periodStart": "202413012200"}, "of parameter periodStart is not valid"),
        ({"periodEnd": "202406132200"}, "end must be after start"),
        (
            {"periodEnd": "202408152200"},
            "Provided time interval (2024-06-14T22:00:00Z/2024-08-15T22:00:00Z) is larger than "
            "maximum allowed period 'P1M' for 'ACTUAL_TOTAL_LOAD_R3:XML' export",
        ),
        ({"psrType": "B16"}, "check you request against dependency tables"),
        ({"offset": "4801"}, "Value '4801' of parameter offset is not valid"),
        ({"curveType": "A09"}, "Value 'A09' of parameter curveType is not valid"),
    ],
)
async def test_invalid_queries_get_a_400_acknowledgement(
    sim: httpx.AsyncClient, change: dict[str, str], text: str
) -> None:
    response = await get(sim, LOAD_DAY | change)
    assert response.status_code == 400
    assert "acknowledgement.xml" in response.headers["content-disposition"]
    document = parse_document(response.content)
    assert document.kind == "error"
    assert document.reason_code == "999"
    assert text in reason(response)


async def test_parameter_names_are_case_insensitive(sim: httpx.AsyncClient) -> None:
    shouted = {name[0].upper() + name[1:]: value for name, value in LOAD_DAY.items()}
    assert (await get(sim, shouted)).content == (await get(sim, LOAD_DAY)).content


@pytest.mark.parametrize(
    ("data_type", "area", "extra", "text"),
    [
        (DataType.DAY_AHEAD_PRICE, "DE", {}, "Delivered Area EIC 10Y1001A1001A83F is not valid."),
        (
            DataType.DAY_AHEAD_PRICE,
            "DE_LU",
            {"out_Domain": "10YNL----------L"},
            "same bidding zone",
        ),
        (DataType.GENERATION_ACTUAL, "FR", {"psrType": "B99"}, "is not valid for this area"),
        (
            DataType.WIND_SOLAR_FORECAST_DAY_AHEAD,
            "NL",
            {"psrType": "B04"},
            "is not valid for this area",
        ),
        (
            DataType.CROSSBORDER_FLOW,
            "NL",
            {"in_Domain": "10YNL----------L"},
            "not valid for Cross-border physical flows",
        ),
    ],
)
async def test_type_specific_validation(
    sim: httpx.AsyncClient, data_type: DataType, area: str, extra: dict[str, str], text: str
) -> None:
    params = query_for(data_type, area, DAY, DAY + timedelta(days=1), to_area="DE_LU")
    response = await get(sim, params | extra)
    assert response.status_code == 400
    assert text in reason(response)


async def test_year_products_allow_a_year_but_not_more(sim: httpx.AsyncClient) -> None:
    start = datetime(2023, 12, 31, 23, tzinfo=UTC)
    params = query_for(DataType.LOAD_FORECAST_YEAR_AHEAD, "NL", start, start + timedelta(days=366))
    assert (await get(sim, params)).status_code == 200
    too_long = query_for(
        DataType.LOAD_FORECAST_YEAR_AHEAD, "NL", start, start + timedelta(days=367)
    )
    response = await get(sim, too_long)
    assert response.status_code == 400
    assert "maximum allowed period 'P1Y'" in reason(response)


@pytest.mark.parametrize(
    ("data_type", "area", "start", "to_area", "extra"),
    [
        (DataType.ACTUAL_LOAD, "NL", datetime(2014, 6, 1, tzinfo=UTC), None, {}),  # before history
        (DataType.ACTUAL_LOAD, "DE_LU", datetime(2018, 6, 1, tzinfo=UTC), None, {}),  # zone not yet
        (DataType.ACTUAL_LOAD, "NL", datetime(2026, 1, 11, tzinfo=UTC), None, {}),  # future
        (DataType.CROSSBORDER_FLOW, "NL", DAY, "FR", {}),  # not neighbours
        (DataType.DAY_AHEAD_PRICE, "NL", DAY, None, {"contract_MarketAgreement.type": "A07"}),
        (DataType.GENERATION_ACTUAL, "NL", DAY, None, {"psrType": "B12"}),  # NL has no reservoirs
    ],
)
async def test_no_matching_data_is_a_200_acknowledgement(
    sim: httpx.AsyncClient,
    data_type: DataType,
    area: str,
    start: datetime,
    to_area: str | None,
    extra: dict[str, str],
) -> None:
    params = query_for(data_type, area, start, start + timedelta(days=1), to_area=to_area)
    response = await get(sim, params | extra)
    assert response.status_code == 200
    document = parse_document(response.content)
    assert document.kind == "no_data"
    assert reason(response).startswith("No matching data found for Data item ")


async def test_no_data_text_names_item_domains_and_interval(sim: httpx.AsyncClient) -> None:
    start = datetime(2014, 9, 1, 22, tzinfo=UTC)
    params = query_for(DataType.DAY_AHEAD_PRICE, "DE_LU", start, start + timedelta(days=1))
    assert reason(await get(sim, params)) == (
        "No matching data found for Data item ENERGY_PRICES [12.1.D] "
        f"({DE_LU}, {DE_LU}) and interval 2014-09-01T22:00:00Z/2014-09-02T22:00:00Z."
    )


async def test_realized_data_stops_an_hour_before_now(
    sim: httpx.AsyncClient, sim_clock: ManualClock
) -> None:
    now = sim_clock.now()
    params = query_for(
        DataType.ACTUAL_LOAD, "NL", now - timedelta(hours=5), now + timedelta(hours=5)
    )
    document = parse_document((await get(sim, params)).content)
    last = max(ts for series in document.series for ts, _ in series.points())
    assert last == now - timedelta(hours=1, minutes=15)


async def test_tomorrows_prices_appear_at_12_45_brussels(
    sim: httpx.AsyncClient, sim_clock: ManualClock
) -> None:
    sim_clock.set(datetime(2025, 6, 10, 10, 44, tzinfo=UTC))  # 12:44 CEST
    tomorrow = datetime(2025, 6, 10, 22, tzinfo=UTC)
    params = query_for(DataType.DAY_AHEAD_PRICE, "FR", tomorrow, tomorrow + timedelta(days=1))
    assert parse_document((await get(sim, params)).content).kind == "no_data"
    sim_clock.set(datetime(2025, 6, 10, 10, 45, tzinfo=UTC))
    document = parse_document((await get(sim, params)).content)
    assert document.kind == "data"
    assert len(list(document.series[0].points())) == 24


async def test_prices_come_in_whole_local_days_and_switch_to_15_minutes(
    sim: httpx.AsyncClient,
) -> None:
    start = datetime(2025, 9, 29, 10, tzinfo=UTC)  # mid-day: the whole day still comes back
    params = query_for(DataType.DAY_AHEAD_PRICE, "FR", start, datetime(2025, 10, 1, 10, tzinfo=UTC))
    document = parse_document((await get(sim, params)).content)
    stretches = [s for series in document.series for s in series.stretches]
    assert [(s.start, s.resolution) for s in stretches] == [
        (datetime(2025, 9, 28, 22, tzinfo=UTC), Resolution.PT60M),
        (datetime(2025, 9, 29, 22, tzinfo=UTC), Resolution.PT60M),
        (datetime(2025, 9, 30, 22, tzinfo=UTC), Resolution.PT15M),
    ]
    assert document.interval == (
        datetime(2025, 9, 28, 22, tzinfo=UTC),
        datetime(2025, 10, 1, 22, tzinfo=UTC),
    )


async def test_de_lu_prices_have_two_sequences_and_a_sequence_filter(
    sim: httpx.AsyncClient,
) -> None:
    params = query_for(DataType.DAY_AHEAD_PRICE, "DE_LU", DAY, DAY + timedelta(days=1))
    both = parse_document((await get(sim, params)).content)
    assert {s.key.qualifier: s.stretches[0].resolution for s in both.series} == {
        "": Resolution.PT60M,
        "seq2": Resolution.PT15M,
    }
    only_sdac = parse_document(
        (
            await get(
                sim, params | {"classificationSequence_AttributeInstanceComponent.position": "1"}
            )
        ).content
    )
    assert [s.key.qualifier for s in only_sdac.series] == [""]


async def test_offset_pages_through_time_series(sim: httpx.AsyncClient) -> None:
    params = query_for(DataType.DAY_AHEAD_PRICE, "DE_LU", DAY, DAY + timedelta(days=2))
    full = (await get(sim, params)).text
    assert full.count("<TimeSeries>") == 4
    second_page = (await get(sim, params | {"offset": "3"})).text
    assert second_page.count("<TimeSeries>") == 1
    assert parse_document((await get(sim, params | {"offset": "4"})).content).kind == "no_data"


async def test_curve_a01_sends_every_point(sim: httpx.AsyncClient) -> None:
    # Biomass output moves in hourly steps, so A03 needs one Point per hour of 15-minute slots.
    biomass = query_for(
        DataType.GENERATION_ACTUAL, "DE_LU", DAY, DAY + timedelta(days=3), psr_type="B01"
    )
    a03 = (await get(sim, biomass)).text
    a01 = (await get(sim, biomass | {"curveType": "A01"})).text
    assert "<curveType>A03</curveType>" in a03
    assert "<curveType>A01</curveType>" in a01
    assert a01.count("<Point>") == 3 * 96
    assert a03.count("<Point>") <= 3 * 24
    assert list(parse_document(a03.encode()).series[0].points()) == list(
        parse_document(a01.encode()).series[0].points()
    )


async def test_psr_type_filter_keeps_one_production_type(sim: httpx.AsyncClient) -> None:
    year = datetime(2023, 12, 31, 23, tzinfo=UTC)
    params = query_for(
        DataType.INSTALLED_CAPACITY, "NL", year, year + timedelta(days=366), psr_type="B04"
    )
    document = parse_document((await get(sim, params)).content)
    assert [(s.key.qualifier, list(s.points())) for s in document.series] == [
        ("B04", [(year, 18476.0)])
    ]
    generation = query_for(
        DataType.GENERATION_ACTUAL, "FR", DAY, DAY + timedelta(days=1), psr_type="B10"
    )
    document = parse_document((await get(sim, generation)).content)
    assert {s.key.qualifier for s in document.series} == {"B10", "B10:consumption"}


async def test_same_request_same_document_and_slicing_keeps_values(sim: httpx.AsyncClient) -> None:
    for data_type, days in ((DataType.ACTUAL_LOAD, 1), (DataType.LOAD_FORECAST_WEEK_AHEAD, 7)):
        two = query_for(data_type, "DE_LU", DAY, DAY + timedelta(days=2 * days))
        first = (await get(sim, two)).content
        assert first == (await get(sim, two)).content
        halves = [
            query_for(data_type, "DE_LU", DAY, DAY + timedelta(days=days)),
            query_for(
                data_type, "DE_LU", DAY + timedelta(days=days), DAY + timedelta(days=2 * days)
            ),
        ]
        whole = {
            (s.key.qualifier, ts): v for s in parse_document(first).series for ts, v in s.points()
        }
        parts: dict[tuple[str, datetime], float | None] = {}
        for half in halves:
            document = parse_document((await get(sim, half)).content)
            parts |= {(s.key.qualifier, ts): v for s in document.series for ts, v in s.points()}
        assert parts.items() <= whole.items()
        assert len(parts) >= len(whole) // 2


async def test_other_seeds_give_other_values(start_sim: StartSim) -> None:
    one, two = await start_sim(seed=1), await start_sim(seed=2)
    assert (await get(one, LOAD_DAY)).content != (await get(two, LOAD_DAY)).content


async def test_rate_limit_per_token_answers_429(start_sim: StartSim) -> None:
    sim = await start_sim(tokens=[TOKEN, "second-token"], rate_limit_per_minute=5)
    statuses = [(await get(sim, LOAD_DAY)).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = await get(sim, LOAD_DAY)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert (await get(sim, LOAD_DAY, "second-token")).status_code == 200


async def test_rate_limit_ban_holds_the_token_off(start_sim: StartSim) -> None:
    sim = await start_sim(rate_limit_per_minute=2, rate_limit_ban_seconds=600)
    statuses = [(await get(sim, LOAD_DAY)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert int((await get(sim, LOAD_DAY)).headers["retry-after"]) > 590


async def test_data_is_gzipped_when_the_client_accepts_it(sim: httpx.AsyncClient) -> None:
    response = await get(sim, LOAD_DAY)
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-disposition"] == (
        'inline; filename="Actual Total Load_202406142200-202406152200.xml"'
    )
