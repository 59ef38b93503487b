"""Request building: the exact ENTSO-E query parameters of every data type, and what is refused."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from gridstream.collector.entsoe.errors import EntsoeInvalidRequest
from gridstream.collector.entsoe.requests import (
    MAX_OFFSET,
    build_request,
    format_period,
    plan_requests,
)
from gridstream.contracts import DataType, get_area

NL, DE_LU, FR = "10YNL----------L", "10Y1001A1001A82H", "10YFR-RTE------C"
LEAP_START = datetime(2024, 2, 29, tzinfo=UTC)
LEAP_END = datetime(2024, 3, 1, tzinfo=UTC)
LEAP_BOUNDS = {"periodStart": "202402290000", "periodEnd": "202403010000"}

# data type -> (area, extra kwargs, expected params without the period bounds)
EXPECTED: dict[DataType, tuple[str, dict[str, Any], dict[str, str]]] = {
    DataType.ACTUAL_LOAD: (
        "NL",
        {},
        {"documentType": "A65", "processType": "A16", "outBiddingZone_Domain": NL},
    ),
    DataType.LOAD_FORECAST_DAY_AHEAD: (
        "NL",
        {},
        {"documentType": "A65", "processType": "A01", "outBiddingZone_Domain": NL},
    ),
    DataType.LOAD_FORECAST_WEEK_AHEAD: (
        "NL",
        {},
        {"documentType": "A65", "processType": "A31", "outBiddingZone_Domain": NL},
    ),
    DataType.LOAD_FORECAST_MONTH_AHEAD: (
        "NL",
        {},
        {"documentType": "A65", "processType": "A32", "outBiddingZone_Domain": NL},
    ),
    DataType.LOAD_FORECAST_YEAR_AHEAD: (
        "NL",
        {},
        {"documentType": "A65", "processType": "A33", "outBiddingZone_Domain": NL},
    ),
    DataType.FORECAST_MARGIN_YEAR_AHEAD: (
        "FR",
        {},
        {"documentType": "A70", "processType": "A33", "outBiddingZone_Domain": FR},
    ),
    DataType.DAY_AHEAD_PRICE: (
        "DE_LU",
        {},
        {
            "documentType": "A44",
            "in_Domain": DE_LU,
            "out_Domain": DE_LU,
            "contract_MarketAgreement.type": "A01",
            "offset": "0",
        },
    ),
    DataType.GENERATION_ACTUAL: (
        "DE_LU",
        {"psr_type": "B19"},
        {"documentType": "A75", "processType": "A16", "in_Domain": DE_LU, "psrType": "B19"},
    ),
    DataType.GENERATION_FORECAST_DAY_AHEAD: (
        "FR",
        {},
        {"documentType": "A71", "processType": "A01", "in_Domain": FR},
    ),
    DataType.WIND_SOLAR_FORECAST_DAY_AHEAD: (
        "NL",
        {"psr_type": "B16"},
        {"documentType": "A69", "processType": "A01", "in_Domain": NL, "psrType": "B16"},
    ),
    DataType.INSTALLED_CAPACITY: (
        "NL",
        {},
        {"documentType": "A68", "processType": "A33", "in_Domain": NL},
    ),
    DataType.CROSSBORDER_FLOW: (
        "NL",
        {"to_area": "DE_LU"},
        {"documentType": "A11", "out_Domain": NL, "in_Domain": DE_LU},
    ),
}


def test_the_table_covers_every_data_type() -> None:
    assert set(EXPECTED) == set(DataType)


@pytest.mark.parametrize("data_type", list(DataType))
def test_params_of_every_data_type_on_the_leap_day(data_type: DataType) -> None:
    area, kwargs, expected = EXPECTED[data_type]
    request = build_request(data_type, area, LEAP_START, LEAP_END, **kwargs)
    assert request.params() == expected | LEAP_BOUNDS


@pytest.mark.parametrize("data_type", list(DataType))
def test_minutes_are_kept_exactly(data_type: DataType) -> None:
    area, kwargs, _ = EXPECTED[data_type]
    start = datetime(2024, 2, 29, 23, 45, tzinfo=UTC)
    request = build_request(data_type, area, start, start + timedelta(minutes=30), **kwargs)
    params = request.params()
    assert (params["periodStart"], params["periodEnd"]) == ("202402292345", "202403010015")


def test_optional_psr_type_is_left_out_when_not_given() -> None:
    params = build_request("generation_actual", "FR", LEAP_START, LEAP_END).params()
    assert "psrType" not in params
    assert params["in_Domain"] == FR


def test_flow_direction_follows_the_arguments() -> None:
    forward = build_request(DataType.CROSSBORDER_FLOW, "NL", LEAP_START, LEAP_END, to_area="DE_LU")
    backward = build_request(DataType.CROSSBORDER_FLOW, "DE_LU", LEAP_START, LEAP_END, to_area="NL")
    assert (forward.params()["out_Domain"], forward.params()["in_Domain"]) == (NL, DE_LU)
    assert (backward.params()["out_Domain"], backward.params()["in_Domain"]) == (DE_LU, NL)
    assert forward.describe().startswith("NL->DE_LU/crossborder_flow")


def test_areas_are_accepted_by_eic_and_as_objects() -> None:
    by_eic = build_request(DataType.ACTUAL_LOAD, NL, LEAP_START, LEAP_END)
    by_object = build_request(DataType.ACTUAL_LOAD, get_area("NL"), LEAP_START, LEAP_END)
    assert by_eic == by_object


def test_aware_bounds_in_other_zones_are_converted_exactly() -> None:
    cest = timezone(timedelta(hours=2))
    start = datetime(2024, 3, 31, 2, 30, tzinfo=cest)
    request = build_request(DataType.ACTUAL_LOAD, "NL", start, start + timedelta(hours=1))
    assert request.params()["periodStart"] == "202403310030"
    assert request.params()["periodEnd"] == "202403310130"


def test_price_pages_carry_their_offset() -> None:
    request = build_request(DataType.DAY_AHEAD_PRICE, "DE_LU", LEAP_START, LEAP_END, offset=200)
    assert request.params()["offset"] == "200"
    assert request.with_offset(300).params()["offset"] == "300"
    assert request.paged


def test_a_full_year_is_one_request_for_yearly_types() -> None:
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    params = build_request(DataType.INSTALLED_CAPACITY, "NL", start, end).params()
    assert (params["periodStart"], params["periodEnd"]) == ("202401010000", "202501010000")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"end": LEAP_START}, "must be after its start"),
        ({"start": LEAP_START.replace(second=30)}, "whole minute"),
        ({"end": LEAP_END.replace(microsecond=1)}, "whole minute"),
        ({"start": datetime(2024, 2, 29)}, "no time zone"),
        ({"end": datetime(2024, 4, 1, tzinfo=UTC)}, "longer than P1M"),
        ({"data_type": "load"}, "unknown data type"),
        ({"area": "XX"}, "unknown area"),
        ({"psr_type": "B16"}, "takes no psrType"),
        ({"to_area": "DE_LU"}, "takes no receiving area"),
        ({"offset": 100}, "is not paged"),
    ],
)
def test_invalid_requests_are_refused_with_a_reason(
    kwargs: dict[str, object], fragment: str
) -> None:
    args: dict[str, object] = {
        "data_type": DataType.ACTUAL_LOAD,
        "area": "NL",
        "start": LEAP_START,
        "end": LEAP_END,
    }
    args.update(kwargs)
    with pytest.raises(EntsoeInvalidRequest, match=fragment):
        build_request(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data_type", "area", "kwargs", "fragment"),
    [
        (DataType.CROSSBORDER_FLOW, "NL", {}, "needs to_area"),
        (DataType.CROSSBORDER_FLOW, "NL", {"to_area": "10YNL----------L"}, "two different"),
        (DataType.WIND_SOLAR_FORECAST_DAY_AHEAD, "NL", {"psr_type": "B04"}, "not valid"),
        (DataType.GENERATION_ACTUAL, "NL", {"psr_type": "B99"}, "not valid"),
        (DataType.DAY_AHEAD_PRICE, "DE", {}, "bidding zones only"),
        (DataType.DAY_AHEAD_PRICE, "DE_LU", {"offset": MAX_OFFSET + 100}, "between 0 and 4800"),
        (DataType.DAY_AHEAD_PRICE, "DE_LU", {"offset": -100}, "between 0 and 4800"),
    ],
)
def test_type_specific_rules(
    data_type: DataType, area: str, kwargs: dict[str, object], fragment: str
) -> None:
    with pytest.raises(EntsoeInvalidRequest, match=fragment):
        build_request(data_type, area, LEAP_START, LEAP_END, **kwargs)  # type: ignore[arg-type]


def test_a_month_from_the_31st_is_clamped_like_the_api_limit() -> None:
    start = datetime(2024, 1, 31, tzinfo=UTC)
    build_request(DataType.ACTUAL_LOAD, "NL", start, LEAP_START)
    with pytest.raises(EntsoeInvalidRequest, match="longer than P1M"):
        build_request(DataType.ACTUAL_LOAD, "NL", start, LEAP_START + timedelta(minutes=1))


def test_a_year_from_the_leap_day_ends_on_28_february() -> None:
    build_request(DataType.INSTALLED_CAPACITY, "NL", LEAP_START, datetime(2025, 2, 28, tzinfo=UTC))
    with pytest.raises(EntsoeInvalidRequest, match="longer than P1Y"):
        build_request(DataType.INSTALLED_CAPACITY, "NL", LEAP_START, LEAP_END.replace(year=2025))


def test_format_period_never_rounds() -> None:
    assert format_period(datetime(2024, 12, 31, 23, 59, tzinfo=UTC)) == "202412312359"
    with pytest.raises(EntsoeInvalidRequest):
        format_period(datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC))


@pytest.mark.parametrize("data_type", list(DataType))
def test_plan_requests_covers_a_quarter_with_exact_bounds(data_type: DataType) -> None:
    area, kwargs, _ = EXPECTED[data_type]
    start = datetime(2024, 1, 15, 6, 30, tzinfo=UTC)
    end = datetime(2024, 4, 10, 12, 15, tzinfo=UTC)
    requests = plan_requests(data_type, area, start, end, **kwargs)
    bounds = [(r.params()["periodStart"], r.params()["periodEnd"]) for r in requests]
    if data_type in {
        DataType.LOAD_FORECAST_MONTH_AHEAD,
        DataType.LOAD_FORECAST_YEAR_AHEAD,
        DataType.FORECAST_MARGIN_YEAR_AHEAD,
        DataType.INSTALLED_CAPACITY,
    }:
        assert bounds == [("202401150630", "202404101215")]
    else:
        assert bounds == [
            ("202401150630", "202402010000"),
            ("202402010000", "202403010000"),
            ("202403010000", "202404010000"),
            ("202404010000", "202404101215"),
        ]


def test_plan_requests_refuses_unknown_types_as_invalid_requests() -> None:
    with pytest.raises(EntsoeInvalidRequest, match="unknown data type"):
        plan_requests("prices", "NL", LEAP_START, LEAP_END)
