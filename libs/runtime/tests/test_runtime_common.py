"""The `common` section: areas, data types, series of interest and history start, validated."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from gridstream.contracts import DataType
from gridstream.runtime.common import CommonConfig, Lookback, SeriesOfInterest

NOW = datetime(2025, 3, 31, 17, 45, tzinfo=UTC)
LOAD, PRICE, FLOW = DataType.ACTUAL_LOAD, DataType.DAY_AHEAD_PRICE, DataType.CROSSBORDER_FLOW


def _errors(data: dict[str, Any]) -> dict[str, str]:
    """Validation errors as {key path: message}."""
    with pytest.raises(ValidationError) as caught:
        CommonConfig.model_validate(data)
    return {
        "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]).lstrip("."): e["msg"]
        for e in caught.value.errors(include_input=False)
    }


def test_defaults_are_what_make_run_collects() -> None:
    common = CommonConfig()

    assert common.areas == ("DE_LU", "FR", "NL")
    assert {LOAD, PRICE} <= set(common.data_types)
    assert FLOW not in common.data_types
    assert common.series == ()
    assert len(common.series_of_interest()) == len(common.areas) * len(common.data_types)


def test_areas_are_canonical_codes_and_unknown_ones_get_suggestions() -> None:
    assert CommonConfig(areas=["de-lu", "10YNL----------L"]).areas == ("DE_LU", "NL")

    errors = _errors({"areas": ["DE_LU", "DE_LUX"]})
    assert errors["areas[1]"].startswith("Value error, unknown area code; did you mean DE_LU")
    assert "DE_LUX" not in errors["areas[1]"]
    assert "listed twice" in _errors({"areas": ["NL", "nl"]})["areas[1]"]


def test_unknown_data_type_gets_a_suggestion() -> None:
    errors = _errors({"data_types": ["actual_lod"]})
    assert "unknown data type; did you mean actual_load?" in errors["data_types[0]"]


def test_series_of_interest_adds_flows_to_the_product() -> None:
    common = CommonConfig(
        areas=["DE_LU", "CZ"],
        data_types=["actual_load", "day_ahead_price", "crossborder_flow"],
        series=[{"area": "DE_LU", "data_type": "crossborder_flow", "to_area": "FR"}],
    )
    found = {(s.area, s.data_type, s.to_area) for s in common.series_of_interest()}

    assert found == {
        ("DE_LU", LOAD, None),
        ("DE_LU", PRICE, None),
        ("CZ", LOAD, None),
        ("CZ", PRICE, None),
        ("DE_LU", FLOW, "FR"),
    }


def test_series_must_be_consistent_with_areas_and_data_types() -> None:
    errors = _errors(
        {
            "areas": ["DE_LU", "NL"],
            "data_types": ["actual_load", "day_ahead_price"],
            "series": [
                {"area": "NL", "data_type": "actual_load"},
                {"area": "DE_LU", "data_type": "crossborder_flow", "to_area": "NL"},
                {"area": "FR", "data_type": "actual_load"},
                {"area": "NL", "data_type": "actual_load"},
            ],
        }
    )

    assert errors["series[1].data_type"] == "crossborder_flow is not among common.data_types"
    assert errors["series[2].area"] == "FR is not among common.areas"
    assert errors["series[3]"] == "the same series as common.series[0]"


@pytest.mark.parametrize(
    ("series", "where", "message"),
    [
        ({"area": "NL", "data_type": "crossborder_flow"}, "to_area", "crossborder_flow needs"),
        (
            {"area": "NL", "data_type": "actual_load", "to_area": "BE"},
            "to_area",
            "only crossborder",
        ),
        ({"area": "NL", "data_type": "crossborder_flow", "to_area": "nl"}, "to_area", "itself"),
        ({"area": "DE_AMPRION", "data_type": "day_ahead_price"}, "data_type", "bidding zones"),
        ({"area": "NL", "data_type": "actual_load", "qualifier": "x"}, "qualifier", "Extra inputs"),
    ],
)
def test_a_series_is_checked_on_its_own(series: dict[str, str], where: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SeriesOfInterest.model_validate(series)
    (error,) = caught.value.errors(include_input=False)
    assert error["loc"] == (where,)
    assert message in error["msg"]


def test_history_start_is_a_date_or_a_period_back() -> None:
    assert CommonConfig(history_start="2015-01-01").history_start.default == date(2015, 1, 1)
    assert CommonConfig(history_start=date(2015, 1, 1)).history_start.default == date(2015, 1, 1)
    ten_years = CommonConfig(history_start="P10Y").history_start.default
    assert ten_years == Lookback(months=120)
    assert str(ten_years) == "P10Y"
    assert str(Lookback(months=18, days=3)) == "P1Y6M3D"
    assert Lookback(months=120).start(NOW) == datetime(2015, 3, 31, tzinfo=UTC)
    assert Lookback(months=1, days=2).start(NOW) == datetime(2025, 2, 26, tzinfo=UTC)

    for bad in ("10 years", "P0D", "PT5H", "2015-13-01", 7):
        errors = _errors({"history_start": bad})
        assert "a date (YYYY-MM-DD) or a period back from now" in errors["history_start.default"]


def test_history_start_overrides_by_series_data_type_and_area() -> None:
    common = CommonConfig(
        areas=["DE_LU", "NL"],
        data_types=["actual_load", "day_ahead_price", "installed_capacity"],
        series=[{"area": "NL", "data_type": "actual_load", "history_start": "2019-01-01"}],
        history_start={
            "default": "P2Y",
            "by_data_type": {"installed_capacity": "2015-01-01"},
            "by_area": {"de-lu": "2018-10-01"},
        },
    )
    nl_load, nl_price = (
        SeriesOfInterest(area="NL", data_type=LOAD),
        SeriesOfInterest(area="NL", data_type=PRICE),
    )
    de_capacity = SeriesOfInterest(area="DE_LU", data_type=DataType.INSTALLED_CAPACITY)

    assert common.history_start_of(nl_load, NOW) == datetime(2019, 1, 1, tzinfo=UTC)
    assert common.history_start_of(nl_price, NOW) == datetime(2023, 3, 31, tzinfo=UTC)
    assert common.history_start_of(de_capacity, NOW) == datetime(2015, 1, 1, tzinfo=UTC)
    de_load = SeriesOfInterest(area="DE_LU", data_type=LOAD)
    assert common.history_start_of(de_load, NOW) == datetime(2018, 10, 1, tzinfo=UTC)


def test_history_start_overrides_must_name_areas_and_data_types_of_interest() -> None:
    errors = _errors(
        {
            "areas": ["NL"],
            "data_types": ["actual_load"],
            "history_start": {"by_area": {"FR": "P1Y"}, "by_data_type": {"day_ahead_price": "P1Y"}},
        }
    )
    assert errors["history_start.by_area.FR"] == "FR is not among common.areas"
    assert errors["history_start.by_data_type.day_ahead_price"] == (
        "day_ahead_price is not among common.data_types"
    )
