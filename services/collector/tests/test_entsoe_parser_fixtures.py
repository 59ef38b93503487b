"""The parser on every recorded ENTSO-E fixture: everything parses, and hand-checked points match the XML."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from gridstream.collector.entsoe import ParsedDocument, ParsedSeries, parse_document
from gridstream.contracts import DataType

FIXTURES = Path(__file__).parent / "fixtures" / "entsoe"
REAL = FIXTURES / "real"
ALL_XML = sorted(FIXTURES.glob("*/*.xml"))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def parse(name: str) -> ParsedDocument:
    return parse_document((REAL / name).read_bytes())


def series(document: ParsedDocument, qualifier: str = "") -> ParsedSeries:
    matches = [s for s in document.series if s.key.qualifier == qualifier]
    assert len(matches) == 1, [str(s.key) for s in document.series]
    return matches[0]


def test_fixture_set_is_complete() -> None:
    assert len(list(REAL.glob("*.xml"))) == 20
    assert len(list((FIXTURES / "guide").glob("*.xml"))) == 10


@pytest.mark.parametrize("path", ALL_XML, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_parses(path: Path) -> None:
    document = parse_document(path.read_bytes())
    if document.kind == "data":
        assert document.data_type is not None
        for parsed in document.series:
            timestamps = [ts for ts, _ in parsed.points()]
            assert timestamps == sorted(set(timestamps)), f"{parsed.key}: unsorted or duplicated"
            assert all(ts.tzinfo is UTC for ts in timestamps)
    else:
        assert path.name.startswith(("ack", "acknowledgement"))
        assert document.series == []


# (file, qualifier, slot start in UTC, value): read off the XML by hand. "fill" marks a slot that has no
# Point of its own in an A03 curve and takes the value of the Point before it.
HAND_CHECKED = [
    ("load_actual_A65_A16_NL_PT15M_2024-09-02.xml", "", "2024-09-01T22:00", 12156.45),
    ("load_actual_A65_A16_NL_PT15M_2024-09-02.xml", "", "2024-09-02T02:00", 11006.57),
    ("load_actual_A65_A16_NL_PT15M_2024-09-02.xml", "", "2024-09-02T21:45", 12685.73),
    ("load_actual_A65_A16_CZ_PT60M_2023-03-03_3days.xml", "", "2023-03-03T00:00", 7146.17),
    ("load_actual_A65_A16_CZ_PT60M_2023-03-03_3days.xml", "", "2023-03-04T12:00", 8082.17),
    ("load_actual_A65_A16_CZ_PT60M_2023-03-03_3days.xml", "", "2023-03-05T23:00", 6854.99),
    ("load_actual_A65_A16_BE_PT15M_week_2024-01-15.xml", "", "2024-01-14T23:00", 9728.1),
    ("load_actual_A65_A16_BE_PT15M_week_2024-01-15.xml", "", "2024-01-18T11:00", 12668.27),
    ("load_actual_A65_A16_BE_PT15M_week_2024-01-15.xml", "", "2024-01-21T22:45", 9128.59),
    ("load_actual_A65_A16_DK1_PT60M_curveA01_2023-12.xml", "", "2023-12-28T15:00", 3031),
    ("load_actual_A65_A16_DK1_PT60M_curveA01_2023-12.xml", "", "2023-12-29T14:00", 2913),
    ("load_actual_A65_A16_DK1_PT60M_curveA01_2023-12.xml", "", "2023-12-30T13:00", 2723),
    ("load_forecast_A65_A01_NL_PT15M_2024-09-02.xml", "", "2024-09-01T22:00", 11120.58),
    ("load_forecast_A65_A01_NL_PT15M_2024-09-02.xml", "", "2024-09-02T10:00", 8583.39),
    ("load_forecast_A65_A01_DK2_PT60M_curveA01_2023-12.xml", "", "2023-12-27T23:00", 1554),
    ("load_forecast_A65_A01_DK2_PT60M_curveA01_2023-12.xml", "", "2023-12-29T11:00", 1809),
    ("load_forecast_A65_A01_DK2_PT60M_curveA01_2023-12.xml", "", "2023-12-31T22:00", 1432),
    ("load_forecast_A65_A31_CZ_P1D_week.xml", "min", "2023-08-16T22:00", 5113),
    ("load_forecast_A65_A31_CZ_P1D_week.xml", "max", "2023-08-13T22:00", 8053),
    ("load_forecast_A65_A31_CZ_P1D_week.xml", "max", "2023-08-19T22:00", 6624),
    ("load_forecast_A65_A32_NL_P7D.xml", "min", "2024-09-01T22:00", 10050.43),
    ("load_forecast_A65_A32_NL_P7D.xml", "max", "2024-09-01T22:00", 15354.34),
    ("load_forecast_A65_A33_NL_P7D_2024.xml", "min", "2024-06-30T23:00", 9853.13),
    ("load_forecast_A65_A33_NL_P7D_2024.xml", "max", "2024-12-29T23:00", 17664.04),
    ("prices_A44_NL_PT60M_2024-09-02.xml", "", "2024-09-01T22:00", 91.24),
    ("prices_A44_NL_PT60M_2024-09-02.xml", "", "2024-09-02T10:00", 85.02),
    ("prices_A44_NL_PT60M_2024-09-02.xml", "", "2024-09-02T21:00", 104),
    ("prices_A44_DE_LU_seq1_PT60M_seq2_PT15M_2024-10.xml", "", "2024-10-06T11:00", -0.01),
    ("prices_A44_DE_LU_seq1_PT60M_seq2_PT15M_2024-10.xml", "", "2024-10-06T12:00", -0.01),  # fill
    ("prices_A44_DE_LU_seq1_PT60M_seq2_PT15M_2024-10.xml", "", "2024-10-06T13:00", 0.2),
    ("prices_A44_DE_LU_seq1_PT60M_seq2_PT15M_2024-10.xml", "seq2", "2024-10-06T03:15", 68.2),
    (
        "prices_A44_DE_LU_seq1_PT60M_seq2_PT15M_2024-10.xml",
        "seq2",
        "2024-10-06T03:30",
        68.2,
    ),  # fill
    ("prices_A44_DE_LU_seq1_PT60M_seq2_PT15M_2024-10.xml", "seq2", "2024-10-06T03:45", 63.76),
    ("prices_A44_DE_LU_seq1_seq2_PT15M_2025-10-31.xml", "", "2025-10-31T11:00", 71.47),
    ("prices_A44_DE_LU_seq1_seq2_PT15M_2025-10-31.xml", "seq2", "2025-10-31T03:30", 80.5),
    ("prices_A44_DE_LU_seq1_seq2_PT15M_2025-10-31.xml", "seq2", "2025-10-31T03:45", 80.5),  # fill
    ("prices_A44_DE_LU_seq1_seq2_PT15M_2025-10-31.xml", "seq2", "2025-11-01T22:45", 69.92),
    ("prices_A44_ES_PT60M_to_PT15M_2025-09-29_10-02.xml", "", "2025-09-29T10:00", 35),
    ("prices_A44_ES_PT60M_to_PT15M_2025-09-29_10-02.xml", "", "2025-10-01T00:30", 100),
    ("prices_A44_ES_PT60M_to_PT15M_2025-09-29_10-02.xml", "", "2025-10-01T00:45", 100),  # fill
    ("prices_A44_ES_PT60M_to_PT15M_2025-09-29_10-02.xml", "", "2025-10-01T10:00", 26.76),
    ("prices_A44_ES_PT60M_to_PT15M_2025-09-29_10-02.xml", "", "2025-10-02T21:45", 103.27),
    ("generation_A75_A16_DE_LU_PT15M_2024-06-15.xml", "B01", "2024-06-14T22:00", 4059.53),
    ("generation_A75_A16_DE_LU_PT15M_2024-06-15.xml", "B10", "2024-06-15T10:00", 14.09),
    (
        "generation_A75_A16_DE_LU_PT15M_2024-06-15.xml",
        "B10:consumption",
        "2024-06-15T10:00",
        5190.69,
    ),
    ("generation_A75_A16_DE_LU_PT15M_2024-06-15.xml", "B16", "2024-06-15T10:00", 28147.8),
    ("generation_A75_A16_DE_LU_PT15M_2024-06-15.xml", "B16:consumption", "2024-06-15T21:45", 0),
    ("generation_A75_A16_DE_LU_PT15M_2024-06-15.xml", "B09", "2024-06-15T02:00", 19.36),  # fill
    ("generation_A75_A16_DE_LU_PT15M_2024-06-15.xml", "B19", "2024-06-15T21:45", 12362.43),
    ("generation_A75_A16_DE_LU_PT15M_2024-06-15.xml", "B20", "2024-06-15T21:45", 112.55),  # fill
    ("generation_A75_A16_FR_PT60M_2024-06-15.xml", "B01", "2024-06-14T23:00", 355),
    ("generation_A75_A16_FR_PT60M_2024-06-15.xml", "B01", "2024-06-15T01:00", 355),  # fill
    ("generation_A75_A16_FR_PT60M_2024-06-15.xml", "B01", "2024-06-15T02:00", 356),
    ("generation_A75_A16_FR_PT60M_2024-06-15.xml", "B10", "2024-06-14T23:00", 1403),
    ("generation_A75_A16_FR_PT60M_2024-06-15.xml", "B10", "2024-06-15T19:00", 2033),
    ("generation_A75_A16_FR_PT60M_2024-06-15.xml", "B10:consumption", "2024-06-15T09:00", 2159),
    ("generation_A75_A16_FR_PT60M_2024-06-15.xml", "B16", "2024-06-15T02:00", 0),  # fill
    ("generation_forecast_A71_A01_NL_PT15M_2024-09-02.xml", "", "2024-09-02T10:00", 9137.96),
    ("wind_solar_forecast_A69_A01_NL_PT15M_2024-09-02.xml", "B16", "2024-09-02T12:15", 2950),
    ("wind_solar_forecast_A69_A01_NL_PT15M_2024-09-02.xml", "B16", "2024-09-02T05:00", 0),  # fill
    ("wind_solar_forecast_A69_A01_NL_PT15M_2024-09-02.xml", "B18", "2024-09-01T22:00", 717),
    ("wind_solar_forecast_A69_A01_NL_PT15M_2024-09-02.xml", "B18", "2024-09-02T21:45", 96),
    ("wind_solar_forecast_A69_A01_NL_PT15M_2024-09-02.xml", "B19", "2024-09-01T22:00", 1842),
    ("wind_solar_forecast_A69_A01_NL_PT15M_2024-09-02.xml", "B19", "2024-09-02T21:45", 36),
    ("installed_capacity_A68_A33_NL_P1Y_2024.xml", "B01", "2023-12-31T23:00", 418),
    ("installed_capacity_A68_A33_NL_P1Y_2024.xml", "B10", "2023-12-31T23:00", 0),
    ("installed_capacity_A68_A33_NL_P1Y_2024.xml", "B16", "2023-12-31T23:00", 27980),
    ("crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml", "to:DE_LU", "2024-09-01T22:00", 0),
    ("crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml", "to:DE_LU", "2024-09-02T03:45", 0),
    (
        "crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml",
        "to:DE_LU",
        "2024-09-02T04:00",
        574.04,
    ),
    ("crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml", "to:DE_LU", "2024-09-03T08:30", 0),
    ("crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml", "to:DE_LU", "2024-09-03T08:45", 0),
    (
        "crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml",
        "to:DE_LU",
        "2024-09-03T09:00",
        53.64,
    ),
    (
        "crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml",
        "to:DE_LU",
        "2024-09-04T16:00",
        1117.36,
    ),
    (
        "crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml",
        "to:DE_LU",
        "2024-09-08T21:45",
        336.12,
    ),
]


@pytest.mark.parametrize(("name", "qualifier", "at", "expected"), HAND_CHECKED)
def test_hand_checked_points(name: str, qualifier: str, at: str, expected: float) -> None:
    values = dict(series(parse(name), qualifier).points())
    assert values[utc(at)] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("name", "area", "data_type", "qualifiers", "unit"),
    [
        ("load_actual_A65_A16_NL_PT15M_2024-09-02.xml", "NL", DataType.ACTUAL_LOAD, [""], "MW"),
        (
            "load_forecast_A65_A31_CZ_P1D_week.xml",
            "CZ",
            DataType.LOAD_FORECAST_WEEK_AHEAD,
            ["min", "max"],
            "MW",
        ),
        (
            "load_forecast_A65_A33_NL_P7D_2024.xml",
            "NL",
            DataType.LOAD_FORECAST_YEAR_AHEAD,
            ["min", "max"],
            "MW",
        ),
        ("prices_A44_NL_PT60M_2024-09-02.xml", "NL", DataType.DAY_AHEAD_PRICE, [""], "EUR/MWh"),
        (
            "prices_A44_DE_LU_seq1_seq2_PT15M_2025-10-31.xml",
            "DE_LU",
            DataType.DAY_AHEAD_PRICE,
            ["seq2", ""],
            "EUR/MWh",
        ),
        (
            "generation_forecast_A71_A01_NL_PT15M_2024-09-02.xml",
            "NL",
            DataType.GENERATION_FORECAST_DAY_AHEAD,
            [""],
            "MW",
        ),
        (
            "wind_solar_forecast_A69_A01_NL_PT15M_2024-09-02.xml",
            "NL",
            DataType.WIND_SOLAR_FORECAST_DAY_AHEAD,
            ["B16", "B18", "B19"],
            "MW",
        ),
        (
            "crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml",
            "NL",
            DataType.CROSSBORDER_FLOW,
            ["to:DE_LU"],
            "MW",
        ),
    ],
)
def test_series_keys_and_units(
    name: str, area: str, data_type: DataType, qualifiers: list[str], unit: str
) -> None:
    document = parse(name)
    assert document.data_type is data_type
    assert [s.key.qualifier for s in document.series] == qualifiers
    assert {s.key.area for s in document.series} == {area}
    assert {s.unit for s in document.series} == {unit}


def test_generation_keeps_consumption_apart() -> None:
    document = parse("generation_A75_A16_DE_LU_PT15M_2024-06-15.xml")
    qualifiers = {s.key.qualifier for s in document.series}
    assert {"B10:consumption", "B16:consumption", "B19:consumption"} <= qualifiers
    assert len(document.series) == 19
    assert len([q for q in qualifiers if not q.endswith(":consumption")]) == 16


def test_document_header() -> None:
    document = parse("wind_solar_forecast_A69_A01_NL_PT15M_2024-09-02.xml")
    assert document.kind == "data"
    assert document.root == "GL_MarketDocument"
    assert document.revision_number == 3
    assert document.document_type == "A69"
    assert document.process_type == "A01"
    assert document.interval == (utc("2024-09-01T22:00"), utc("2024-09-02T22:00"))
    assert document.mrid is not None
    assert len(document.mrid) == 32
    prices = parse("prices_A44_DE_LU_seq1_seq2_PT15M_2025-10-31.xml")
    assert prices.root == "Publication_MarketDocument"
    assert prices.process_type is None
    assert prices.created == datetime(2025, 10, 31, 17, 50, 3, tzinfo=UTC)
    assert prices.interval == (utc("2025-10-30T23:00"), utc("2025-11-01T23:00"))
