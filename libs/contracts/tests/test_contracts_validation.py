"""Each validation rule of the contracts rejects bad input with a message naming the problem."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from gridstream.contracts import (
    AREAS,
    CATALOGUE,
    BackfillRequested,
    CollectionRequested,
    DataType,
    InvalidSubjectError,
    SeriesKey,
    ServiceHeartbeat,
    TimeWindow,
    UnknownAreaError,
    UnknownDataTypeError,
    check_token,
    get_area,
    parse_subject,
    spec_of,
)


def test_registry_has_the_documented_areas() -> None:
    documented = {
        "DE_LU": "10Y1001A1001A82H",
        "FR": "10YFR-RTE------C",
        "NL": "10YNL----------L",
        "BE": "10YBE----------2",
        "AT": "10YAT-APG------L",
        "PL": "10YPL-AREA-----S",
        "ES": "10YES-REE------0",
        "IT_NORD": "10Y1001A1001A73I",
        "DK_1": "10YDK-1--------W",
        "DK_2": "10YDK-2--------M",
        "NO_1": "10YNO-1--------2",
        "SE_3": "10Y1001A1001A46L",
        "CH": "10YCH-SWISSGRIDZ",
        "CZ": "10YCZ-CEPS-----N",
        "DE_TRANSNET": "10YDE-ENBW-----N",
    }
    for code, eic in documented.items():
        assert AREAS[code].eic == eic
    assert len(AREAS) >= 40
    assert len({a.eic for a in AREAS.values()}) == len(AREAS)


def test_lookup_by_code_or_eic() -> None:
    assert get_area("10Y1001A1001A82H").code == "DE_LU"
    assert get_area("de-lu").code == "DE_LU"
    assert get_area("FR").tz == "Europe/Paris"


def test_unknown_area_suggests_close_matches() -> None:
    with pytest.raises(UnknownAreaError, match=r"unknown area 'DE_LX'; did you mean DE_LU"):
        get_area("DE_LX")
    with pytest.raises(ValidationError, match="unknown area 'XX'"):
        CollectionRequested(area="XX", data_type=DataType.ACTUAL_LOAD)


def test_catalogue_covers_every_data_type() -> None:
    assert set(CATALOGUE) == set(DataType)
    assert spec_of("day_ahead_price").document_type == "A44"
    assert spec_of(DataType.ACTUAL_LOAD).max_window == "P1M"
    with pytest.raises(UnknownDataTypeError, match="unknown data type 'load'; expected one of"):
        spec_of("load")


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValidationError, match=r"naive datetime 2024-01-01T00:00:00 is not allowed"):
        TimeWindow(start=datetime(2024, 1, 1), end=datetime(2024, 1, 2, tzinfo=UTC))


def test_aware_datetimes_are_normalised_to_utc() -> None:
    window = TimeWindow(start="2024-01-01T01:00+01:00", end="2024-01-02T00:00Z")
    assert window.start == datetime(2024, 1, 1, tzinfo=UTC)
    assert window.start.tzinfo is UTC


def test_end_must_be_after_start() -> None:
    with pytest.raises(ValidationError, match=r"window end .* must be after its start"):
        TimeWindow(start="2024-01-02T00:00Z", end="2024-01-01T00:00Z")


def test_window_longer_than_the_type_allows() -> None:
    window = {"start": "2024-01-31T00:00Z", "end": "2024-03-01T00:00Z"}
    with pytest.raises(ValidationError, match=r"longer than P1M.*use BackfillRequested"):
        CollectionRequested(area="NL", data_type=DataType.ACTUAL_LOAD, window=window)
    # A leap-year February month is allowed, as is a year for year-ahead types.
    ok = {"start": "2024-02-01T00:00Z", "end": "2024-03-01T00:00Z"}
    CollectionRequested(area="NL", data_type=DataType.ACTUAL_LOAD, window=ok)
    year = {"start": "2024-01-01T00:00Z", "end": "2025-01-01T00:00Z"}
    CollectionRequested(area="NL", data_type="installed_capacity", window=year)
    BackfillRequested(area="NL", data_type="actual_load", window=year)


def test_area_that_does_not_publish_the_type() -> None:
    with pytest.raises(ValidationError, match="area DE does not publish day_ahead_price"):
        CollectionRequested(area="DE", data_type=DataType.DAY_AHEAD_PRICE)


@pytest.mark.parametrize(
    ("data_type", "qualifier", "message"),
    [
        ("actual_load", "B16", "expected an empty qualifier"),
        ("load_forecast_week_ahead", "median", "'', 'min' or 'max'"),
        ("day_ahead_price", "seq1", "sequence 1, SDAC"),
        ("generation_actual", "B99", "expected a production type"),
        ("wind_solar_forecast_day_ahead", "B04", "expected a production type"),
        ("crossborder_flow", "DE_LU", "expected 'to:<AREA>'"),
        ("crossborder_flow", "to:ZZ", "unknown area 'ZZ'"),
    ],
)
def test_qualifier_rules(data_type: str, qualifier: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SeriesKey(area="DE_LU", data_type=data_type, qualifier=qualifier)


def test_valid_qualifiers() -> None:
    assert SeriesKey(area="FR", data_type="generation_actual", qualifier="B10:consumption")
    assert SeriesKey(area="DE_LU", data_type="day_ahead_price", qualifier="seq2")
    flow = SeriesKey(area="NL", data_type="crossborder_flow", qualifier="to:10Y1001A1001A82H")
    assert flow.qualifier == "to:DE_LU"


@pytest.mark.parametrize("token", ["a.b", "a b", "*", ">", "", "x" * 65])
def test_subject_tokens_that_are_not_allowed(token: str) -> None:
    with pytest.raises(InvalidSubjectError, match="is not allowed"):
        check_token(token)


def test_bad_token_in_a_model_field() -> None:
    with pytest.raises(ValidationError, match="source 'my service' is not allowed"):
        ServiceHeartbeat(
            source="my service",
            service="collector",
            instance="h",
            started_at=datetime(2024, 1, 1, tzinfo=UTC),
            interval_seconds=1,
            version="1",
        )


def test_subject_parser() -> None:
    parsed = parse_subject("gridstream.evt.data.ready.DE_LU.actual_load")
    assert parsed.kind == "evt"
    assert parsed.tokens == ("data", "ready", "DE_LU", "actual_load")
    with pytest.raises(InvalidSubjectError, match="not a gridstream subject"):
        parse_subject("other.evt.x")


def test_names_that_become_subject_tokens_are_checked() -> None:
    with pytest.raises(ValidationError, match=r"subject token .stale\.data. is not allowed"):
        ServiceHeartbeat(
            service="stale.data",
            instance="h",
            started_at=datetime(2024, 1, 1, tzinfo=UTC),
            interval_seconds=1,
            version="1",
        )


def test_flows_need_a_receiving_area() -> None:
    with pytest.raises(ValidationError, match="crossborder_flow needs the receiving area"):
        CollectionRequested(area="NL", data_type="crossborder_flow")
    with pytest.raises(ValidationError, match="only crossborder_flow takes to_area"):
        CollectionRequested(area="NL", data_type="actual_load", to_area="BE")
    with pytest.raises(ValidationError, match="from NL to itself"):
        CollectionRequested(area="NL", data_type="crossborder_flow", to_area="NL")
    command = CollectionRequested(
        area="NL", data_type="crossborder_flow", to_area="10Y1001A1001A82H"
    )
    assert command.to_area == "DE_LU"
