"""Cross-check: our expanded values equal entsoe-py's parser output on the same real fixtures."""

import math
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gridstream.collector.entsoe import ParsedDocument, parse_document
from gridstream.contracts import Resolution

REAL = Path(__file__).parent / "fixtures" / "entsoe" / "real"

Values = dict[datetime, float]


def entsoe_py(call: Callable[[Any], Any], path: Path) -> Any:
    # entsoe-py 0.8.1 emits pandas deprecation warnings; they are its business, not this test's.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(path.read_text(encoding="utf-8"))


def from_pandas(series: Any) -> Values:
    """A pandas Series as {UTC datetime: value}, without NaN (entsoe-py's way of saying 'no data')."""
    return {
        ts.to_pydatetime(): float(value)
        for ts, value in series.items()
        if not math.isnan(float(value))
    }


def ours(document: ParsedDocument, qualifier: str = "") -> Values:
    (series,) = [s for s in document.series if s.key.qualifier == qualifier]
    return {ts: value for ts, value in series.points() if value is not None}


def parsers() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from entsoe import parsers as module
    return module


@pytest.mark.parametrize(
    ("name", "process_type", "column"),
    [
        ("load_actual_A65_A16_NL_PT15M_2024-09-02.xml", "A16", "Actual Load"),
        ("load_actual_A65_A16_BE_PT15M_week_2024-01-15.xml", "A16", "Actual Load"),
        ("load_actual_A65_A16_DK1_PT60M_curveA01_2023-12.xml", "A16", "Actual Load"),
        ("load_forecast_A65_A01_DK2_PT60M_curveA01_2023-12.xml", "A01", "Forecasted Load"),
    ],
)
def test_loads_match_entsoe_py(name: str, process_type: str, column: str) -> None:
    path = REAL / name
    frame = entsoe_py(lambda xml: parsers().parse_loads(xml, process_type=process_type), path)
    theirs = from_pandas(frame[column])
    assert ours(parse_document(path.read_bytes())) == theirs
    assert len(theirs) == len(frame)


def test_week_ahead_min_max_match_entsoe_py() -> None:
    path = REAL / "load_forecast_A65_A31_CZ_P1D_week.xml"
    frame = entsoe_py(lambda xml: parsers().parse_loads(xml, process_type="A31"), path)
    document = parse_document(path.read_bytes())
    assert ours(document, "min") == from_pandas(frame["Min Forecasted Load"])
    assert ours(document, "max") == from_pandas(frame["Max Forecasted Load"])


@pytest.mark.parametrize(
    "name",
    ["generation_A75_A16_DE_LU_PT15M_2024-06-15.xml", "generation_A75_A16_FR_PT60M_2024-06-15.xml"],
)
def test_generation_matches_entsoe_py(name: str) -> None:
    path = REAL / name
    frame = entsoe_py(lambda xml: parsers().parse_generation(xml), path)
    psr_names: dict[str, str] = parsers().PSRTYPE_MAPPINGS
    document = parse_document(path.read_bytes())
    assert len(document.series) == len(frame.columns)
    for series in document.series:
        psr, _, consumption = series.key.qualifier.partition(":")
        metric = "Actual Consumption" if consumption else "Actual Aggregated"
        assert ours(document, series.key.qualifier) == from_pandas(frame[(psr_names[psr], metric)])


def test_flows_match_entsoe_py() -> None:
    path = REAL / "crossborder_flows_A11_NL_to_DE_LU_PT15M_week_2024-09.xml"
    theirs = from_pandas(entsoe_py(lambda xml: parsers().parse_crossborder_flows(xml), path))
    assert len(theirs) == 672
    assert ours(parse_document(path.read_bytes()), "to:DE_LU") == theirs


@pytest.mark.parametrize(
    ("name", "bucket", "resolution"),
    [
        ("prices_A44_NL_PT60M_2024-09-02.xml", "60min", Resolution.PT60M),
        ("prices_A44_ES_PT60M_to_PT15M_2025-09-29_10-02.xml", "60min", Resolution.PT60M),
        ("prices_A44_ES_PT60M_to_PT15M_2025-09-29_10-02.xml", "15min", Resolution.PT15M),
        ("prices_A44_DE_LU_seq1_PT60M_seq2_PT15M_2024-10.xml", "60min", Resolution.PT60M),
        ("prices_A44_DE_LU_seq1_PT60M_seq2_PT15M_2024-10.xml", "15min", Resolution.PT15M),
    ],
)
def test_prices_match_entsoe_py_per_resolution(
    name: str, bucket: str, resolution: Resolution
) -> None:
    # entsoe-py buckets prices by resolution; in these files each bucket holds a single sequence.
    path = REAL / name
    theirs = from_pandas(entsoe_py(lambda xml: parsers().parse_prices(xml), path)[bucket])
    mine = {
        ts: value
        for series in parse_document(path.read_bytes()).series
        for stretch in series.stretches
        if stretch.resolution is resolution
        for ts, value in stretch.points
        if value is not None
    }
    assert mine == theirs
    assert len(theirs) in (24, 48, 192)


def test_de_lu_2025_prices_are_entsoe_py_s_mixed_sequences_pulled_apart() -> None:
    # entsoe-py returns both sequences in one Series with 192 duplicate timestamps.
    path = REAL / "prices_A44_DE_LU_seq1_seq2_PT15M_2025-10-31.xml"
    theirs = entsoe_py(lambda xml: parsers().parse_prices(xml), path)["15min"]
    assert int(theirs.index.duplicated().sum()) == 192
    document = parse_document(path.read_bytes())
    mine = [point for series in document.series for point in series.points()]
    as_pairs = sorted((ts.to_pydatetime(), float(value)) for ts, value in theirs.items())
    assert sorted(mine) == as_pairs
