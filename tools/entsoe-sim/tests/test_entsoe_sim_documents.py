"""Every data type for DE_LU, FR and NL over real HTTP: our parser and entsoe-py's read the same values."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pandas as pd
import pytest
from entsoe import parsers as _entsoe_parsers
from entsoe.mappings import PSRTYPE_MAPPINGS

from gridstream.collector.entsoe.documents import ParsedDocument
from gridstream.collector.entsoe.parser import parse_document
from gridstream.contracts import DataType, Resolution, get_area
from gridstream.entsoe_sim import value_at, values_at
from gridstream.entsoe_sim.queries import query_for

TOKEN = "sim-test-token-7d41"
DAY = datetime(2024, 6, 14, 22, tzinfo=UTC)  # local 15 June 2024 in CEST
YEAR = (datetime(2023, 12, 31, 23, tzinfo=UTC), datetime(2024, 12, 31, 23, tzinfo=UTC))
WINDOWS: dict[DataType, tuple[datetime, datetime]] = {
    DataType.ACTUAL_LOAD: (DAY, DAY + timedelta(days=1)),
    DataType.LOAD_FORECAST_DAY_AHEAD: (DAY, DAY + timedelta(days=1)),
    DataType.LOAD_FORECAST_WEEK_AHEAD: (
        datetime(2024, 6, 9, 22, tzinfo=UTC),
        DAY + timedelta(days=2),
    ),
    DataType.LOAD_FORECAST_MONTH_AHEAD: (
        datetime(2024, 5, 31, 22, tzinfo=UTC),
        DAY + timedelta(days=16),
    ),
    DataType.LOAD_FORECAST_YEAR_AHEAD: YEAR,
    DataType.FORECAST_MARGIN_YEAR_AHEAD: YEAR,
    DataType.DAY_AHEAD_PRICE: (DAY, DAY + timedelta(days=2)),
    DataType.GENERATION_ACTUAL: (DAY, DAY + timedelta(days=1)),
    DataType.GENERATION_FORECAST_DAY_AHEAD: (DAY, DAY + timedelta(days=1)),
    DataType.WIND_SOLAR_FORECAST_DAY_AHEAD: (DAY, DAY + timedelta(days=1)),
    DataType.INSTALLED_CAPACITY: YEAR,
    DataType.CROSSBORDER_FLOW: (DAY, DAY + timedelta(days=1)),
}
FLOW_TO = {"DE_LU": "NL", "FR": "DE_LU", "NL": "DE_LU"}
MTU = {"DE_LU": Resolution.PT15M, "FR": Resolution.PT60M, "NL": Resolution.PT15M}
# Slots of one series expected in each window (per area where the MTU matters).
SLOTS: dict[DataType, int] = {
    DataType.LOAD_FORECAST_WEEK_AHEAD: 7,
    DataType.LOAD_FORECAST_MONTH_AHEAD: 5,
    DataType.LOAD_FORECAST_YEAR_AHEAD: 53,
    DataType.FORECAST_MARGIN_YEAR_AHEAD: 1,
    DataType.INSTALLED_CAPACITY: 1,
}
RESOLUTIONS: dict[DataType, Resolution] = {
    DataType.LOAD_FORECAST_WEEK_AHEAD: Resolution.P1D,
    DataType.LOAD_FORECAST_MONTH_AHEAD: Resolution.P7D,
    DataType.LOAD_FORECAST_YEAR_AHEAD: Resolution.P7D,
    DataType.FORECAST_MARGIN_YEAR_AHEAD: Resolution.P1Y,
    DataType.INSTALLED_CAPACITY: Resolution.P1Y,
}
CASES = [(area, data_type) for area in ("DE_LU", "FR", "NL") for data_type in DataType]

Points = dict[tuple[str, datetime], float]
ENTSOE_PY: Any = _entsoe_parsers  # untyped: entsoe-py 0.8.1 ships no annotations for most parsers

# entsoe-py parses XML with bs4's HTML parser, which warns.
pytestmark = [
    pytest.mark.filterwarnings("ignore::bs4.XMLParsedAsHTMLWarning"),
]


async def fetch(sim: httpx.AsyncClient, area: str, data_type: DataType) -> bytes:
    start, end = WINDOWS[data_type]
    to_area = FLOW_TO[area] if data_type is DataType.CROSSBORDER_FLOW else None
    params = query_for(data_type, area, start, end, to_area=to_area)
    response = await sim.get("/api", params=params | {"securityToken": TOKEN})
    assert response.status_code == 200, response.text
    return response.content


def our_points(document: ParsedDocument) -> Points:
    """(qualifier, ts) -> value from our parser, checking no timestamp repeats within a series."""
    points: Points = {}
    for series in document.series:
        for ts, value in series.points():
            assert value is not None
            assert (series.key.qualifier, ts) not in points
            points[series.key.qualifier, ts] = value
    return points


@pytest.mark.parametrize(("area", "data_type"), CASES)
async def test_every_type_parses_with_both_parsers(
    sim: httpx.AsyncClient, area: str, data_type: DataType
) -> None:
    body = await fetch(sim, area, data_type)
    document = parse_document(body)
    assert document.kind == "data"
    assert document.data_type is data_type
    assert document.revision_number == 1
    ours = our_points(document)
    assert ours
    check_slots(document, area, data_type)
    check_against_model(ours, area, data_type)
    theirs = entsoe_py_points(body.decode(), data_type, area)
    if data_type in (DataType.INSTALLED_CAPACITY, DataType.FORECAST_MARGIN_YEAR_AHEAD):
        # entsoe-py 0.8.1 moves P1Y stamps to the next month start (ENTSOE.md §5): compare values.
        assert sorted(theirs.values()) == pytest.approx(sorted(ours.values()))
    elif data_type is DataType.DAY_AHEAD_PRICE:
        # entsoe-py mixes price sequences into one series per resolution: compare as multisets.
        assert sorted(theirs.values()) == pytest.approx(sorted(ours.values()))
        assert {ts for _, ts in theirs} == {ts for _, ts in ours}
    else:
        assert theirs.keys() == ours.keys()
        for key, value in ours.items():
            assert theirs[key] == pytest.approx(value), key


def check_slots(document: ParsedDocument, area: str, data_type: DataType) -> None:
    """Every stretch has exactly its slots; the resolution is the area's or the product's."""
    for series in document.series:
        for stretch in series.stretches:
            step = stretch.resolution.fixed
            expected = 1 if step is None else int((stretch.end - stretch.start) / step)
            assert len(stretch.points) == expected
            if data_type in RESOLUTIONS:
                assert stretch.resolution is RESOLUTIONS[data_type]
            elif (
                data_type is not DataType.DAY_AHEAD_PRICE
                and data_type is not DataType.CROSSBORDER_FLOW
            ):
                assert stretch.resolution is MTU[area]
        if data_type in SLOTS:
            assert len(list(series.points())) == SLOTS[data_type]
        elif not series.key.qualifier.startswith("B10"):  # pumped storage is sparse in FR
            per_day = 96 if series.stretches[0].resolution is Resolution.PT15M else 24
            days = 2 if data_type is DataType.DAY_AHEAD_PRICE else 1
            assert len(list(series.points())) == per_day * days


def check_against_model(ours: Points, area: str, data_type: DataType) -> None:
    """Each value is the model's value at its timestamp; no series of the area is missing."""
    zone = get_area(area)
    for (qualifier, ts), value in ours.items():
        assert value == value_at(1, zone, data_type, qualifier, ts)
    start = WINDOWS[data_type][0]
    expected = set(values_at(1, zone, data_type, start))
    if data_type is DataType.CROSSBORDER_FLOW:
        expected = {f"to:{FLOW_TO[area]}"}
    present = {qualifier for qualifier, _ in ours}
    sparse = {q for q in expected - present if q.startswith("B10")}
    assert present == expected - sparse


def entsoe_py_points(xml: str, data_type: DataType, area: str) -> Points:
    """The same document read by entsoe-py 0.8.1, keyed like ours."""
    if data_type in (DataType.ACTUAL_LOAD, DataType.LOAD_FORECAST_DAY_AHEAD):
        frame = ENTSOE_PY.parse_loads(
            xml, process_type="A16" if data_type is DataType.ACTUAL_LOAD else "A01"
        )
        return series_points(frame.iloc[:, 0], "")
    if data_type in SLOTS and data_type.value.startswith("load_forecast"):
        process = {"week": "A31", "month": "A32", "year": "A33"}[data_type.value.split("_")[2]]
        frame = ENTSOE_PY.parse_loads(xml, process_type=process)
        return series_points(frame["Min Forecasted Load"], "min") | series_points(
            frame["Max Forecasted Load"], "max"
        )
    if data_type in (DataType.FORECAST_MARGIN_YEAR_AHEAD, DataType.CROSSBORDER_FLOW):
        qualifier = f"to:{FLOW_TO[area]}" if data_type is DataType.CROSSBORDER_FLOW else ""
        return series_points(ENTSOE_PY.parse_crossborder_flows(xml), qualifier)
    if data_type is DataType.DAY_AHEAD_PRICE:
        points: Points = {}
        for index, series in enumerate(
            s for s in ENTSOE_PY.parse_prices(xml).values() if not s.empty
        ):
            points |= series_points(series, str(index))
        return points
    return generation_points(ENTSOE_PY.parse_generation(xml))


def series_points(series: "pd.Series[Any]", qualifier: str) -> Points:
    return {
        (qualifier, ts.to_pydatetime()): float(value)
        for ts, value in series.items()
        if not math.isnan(float(value))
    }


def generation_points(frame: "pd.DataFrame | pd.Series[Any]") -> Points:
    """Map entsoe-py's (type name, Aggregated/Consumption) columns back to our qualifiers."""
    names = {name: code for code, name in PSRTYPE_MAPPINGS.items() if code.startswith("B")}
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    points: Points = {}
    for column in frame.columns:
        name, metric = column if isinstance(column, tuple) else (column, "Actual Aggregated")
        if name in ("Actual Aggregated", "Actual Consumption"):  # A71: no production type
            qualifier = "" if name == "Actual Aggregated" else "consumption"
        else:
            suffix = ":consumption" if metric == "Actual Consumption" else ""
            qualifier = names[name] + suffix
        points |= series_points(frame[column], qualifier)
    return points
