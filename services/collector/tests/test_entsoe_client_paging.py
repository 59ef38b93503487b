"""fetch_range over real HTTP: windows per month, `offset` paging while a page is full, exact bounds."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gridstream.collector.entsoe.client import EntsoeClient
from gridstream.collector.entsoe.errors import EntsoeBadRequest, EntsoeParseError
from gridstream.collector.entsoe.ratelimit import TokenBucket
from gridstream.collector.entsoe.requests import build_request
from gridstream.contracts import DataType
from gridstream.testing import run_uvicorn

DE_LU = "10Y1001A1001A82H"
FIXTURES = Path(__file__).parent / "fixtures" / "entsoe" / "real"
FLOWS = (FIXTURES / "crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml").read_bytes()
PRICES_AS_FLOWS = (FIXTURES / "prices_A44_NL_PT60M_2024-09-02.xml").read_bytes()
_HEADER = """<?xml version="1.0" encoding="utf-8"?>
<Publication_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3">
<mRID>8c6f96f960dd43d8825846643f939b37</mRID><revisionNumber>1</revisionNumber><type>A44</type>
<createdDateTime>2026-05-07T10:12:22Z</createdDateTime>
<period.timeInterval><start>{start}</start><end>{end}</end></period.timeInterval>"""
_SERIES = """<TimeSeries><mRID>{n}</mRID><auction.type>A01</auction.type><businessType>A62</businessType>
<in_Domain.mRID codingScheme="A01">{eic}</in_Domain.mRID>
<out_Domain.mRID codingScheme="A01">{eic}</out_Domain.mRID>
<contract_MarketAgreement.type>A01</contract_MarketAgreement.type>
<currency_Unit.name>EUR</currency_Unit.name><price_Measure_Unit.name>MWH</price_Measure_Unit.name>
<curveType>A03</curveType><Period><timeInterval><start>{start}</start><end>{end}</end></timeInterval>
<resolution>PT60M</resolution><Point><position>1</position><price.amount>{n}.5</price.amount></Point>
</Period></TimeSeries>"""
NO_DATA = b"""<?xml version="1.0" encoding="UTF-8"?>
<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">
<mRID>b2e4250c-5152-4</mRID><createdDateTime>2026-05-24T14:11:55Z</createdDateTime>
<Reason><code>999</code><text>No matching data found for Data item ENERGY_PRICES [12.1.D]</text></Reason>
</Acknowledgement_MarketDocument>"""


def z(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%MZ")


def price_document(first_day: datetime, first: int, count: int) -> bytes:
    """A day-ahead price answer with `count` daily TimeSeries, numbered from `first`."""
    days = [first_day + timedelta(days=n) for n in range(first, first + count)]
    series = "".join(
        _SERIES.format(n=first + i, eic=DE_LU, start=z(day), end=z(day + timedelta(days=1)))
        for i, day in enumerate(days)
    )
    header = _HEADER.format(start=z(days[0]), end=z(days[-1] + timedelta(days=1)))
    return (header + series + "</Publication_MarketDocument>").encode()


@dataclass
class PagedApi:
    """Serves `total` daily price series from periodStart, 100 per page, honouring `offset`."""

    total: int
    flows: bytes = FLOWS
    seen: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.seen.append(params)
        if params["documentType"] == "A11":
            return Response(self.flows, media_type="text/xml")
        offset = int(params["offset"])
        remaining = min(100, self.total - offset)
        if remaining <= 0:
            return Response(NO_DATA, media_type="text/xml")
        start = datetime.strptime(params["periodStart"], "%Y%m%d%H%M").replace(tzinfo=UTC)
        return Response(price_document(start, offset, remaining), media_type="text/xml")


@pytest.fixture
async def paged() -> AsyncIterator[tuple[PagedApi, EntsoeClient]]:
    api = PagedApi(total=0)
    app = Starlette(routes=[Route("/api", api.handle)])
    async with run_uvicorn(app) as url:
        limiter = TokenBucket(1000.0, 1000)
        async with EntsoeClient(f"{url}/api", SecretStr("t"), rate_limiter=limiter) as client:
            yield api, client


START = datetime(2024, 1, 1, tzinfo=UTC)


async def test_full_pages_are_followed_until_a_short_one(
    paged: tuple[PagedApi, EntsoeClient],
) -> None:
    api, client = paged
    api.total = 230
    request = build_request(DataType.DAY_AHEAD_PRICE, "DE_LU", START, START + timedelta(days=31))
    results = await client.fetch_pages(request)
    assert [r.request.offset for r in results] == [0, 100, 200]
    assert [r.timeseries_count for r in results] == [100, 100, 30]
    assert [p["offset"] for p in api.seen] == ["0", "100", "200"]
    prices = [v for r in results for s in r.document.series for _, v in s.points()]
    assert len(prices) == 230 * 24
    assert None not in prices


async def test_an_exactly_full_last_page_ends_on_no_data(
    paged: tuple[PagedApi, EntsoeClient],
) -> None:
    api, client = paged
    api.total = 200
    request = build_request(DataType.DAY_AHEAD_PRICE, "DE_LU", START, START + timedelta(days=31))
    results = await client.fetch_pages(request)
    assert [(r.request.offset, r.no_data) for r in results] == [
        (0, False),
        (100, False),
        (200, True),
    ]


async def test_more_than_the_paging_limit_is_refused(paged: tuple[PagedApi, EntsoeClient]) -> None:
    api, client = paged
    api.total = 10_000
    request = build_request(
        DataType.DAY_AHEAD_PRICE, "DE_LU", START, START + timedelta(days=31), offset=4700
    )
    with pytest.raises(EntsoeBadRequest, match="more than 4900 TimeSeries") as caught:
        await client.fetch_pages(request)
    assert [p["offset"] for p in api.seen] == ["4700", "4800"]
    assert caught.value.attempts == 2


async def test_fetch_range_splits_by_month_and_pages_each_window(
    paged: tuple[PagedApi, EntsoeClient],
) -> None:
    api, client = paged
    api.total = 120
    start, end = datetime(2024, 1, 20, 6, 45, tzinfo=UTC), datetime(2024, 3, 2, 23, tzinfo=UTC)
    results = await client.fetch_range(DataType.DAY_AHEAD_PRICE, "DE_LU", start, end)
    assert [(p["periodStart"], p["periodEnd"], p["offset"]) for p in api.seen] == [
        ("202401200645", "202402010000", "0"),
        ("202401200645", "202402010000", "100"),
        ("202402010000", "202403010000", "0"),
        ("202402010000", "202403010000", "100"),
        ("202403010000", "202403022300", "0"),
        ("202403010000", "202403022300", "100"),
    ]
    assert len(results) == 6
    assert all(p["in_Domain"] == p["out_Domain"] == DE_LU for p in api.seen)


async def test_unpaged_types_make_one_request_per_window(
    paged: tuple[PagedApi, EntsoeClient],
) -> None:
    api, client = paged
    start, end = datetime(2024, 2, 15, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC)
    results = await client.fetch_range(DataType.CROSSBORDER_FLOW, "NL", start, end, to_area="DE_LU")
    assert [(p["periodStart"], p["periodEnd"]) for p in api.seen] == [
        ("202402150000", "202403010000"),
        ("202403010000", "202404010000"),
    ]
    assert all("offset" not in p for p in api.seen)
    assert all(p["out_Domain"] == "10YNL----------L" for p in api.seen)
    assert all(p["in_Domain"] == DE_LU for p in api.seen)
    assert [r.document.data_type for r in results] == [DataType.CROSSBORDER_FLOW] * 2


async def test_an_answer_of_another_data_type_is_a_parse_error(
    paged: tuple[PagedApi, EntsoeClient],
) -> None:
    api, client = paged
    api.total = 10
    api.flows = PRICES_AS_FLOWS
    request = build_request(
        DataType.CROSSBORDER_FLOW, "NL", START, START + timedelta(days=1), to_area="BE"
    )
    with pytest.raises(EntsoeParseError, match=r"another data type \(day_ahead_price\)"):
        await client.fetch(request)
