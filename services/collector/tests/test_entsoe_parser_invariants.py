"""Invariants of the parser on the real fixtures: slot counts, holes, sequences, MTU switch, stamps, acks."""

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gridstream.collector.entsoe import ParsedDocument, parse_document
from gridstream.contracts import Resolution

FIXTURES = Path(__file__).parent / "fixtures" / "entsoe"
REAL = FIXTURES / "real"
GUIDE = FIXTURES / "guide"
A03_FIXTURES = [
    path
    for path in sorted(REAL.glob("*.xml"))
    if b"<curveType>A03</curveType>" in path.read_bytes()
]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def parse(path: Path) -> ParsedDocument:
    return parse_document(path.read_bytes())


def test_a03_fixtures_are_the_2024_to_2026_ones() -> None:
    assert len(A03_FIXTURES) == 17


@pytest.mark.parametrize("path", A03_FIXTURES, ids=lambda p: p.name)
def test_a03_periods_expand_to_every_slot(path: Path) -> None:
    # Every A03 Period in the fixtures starts with position 1, so each slot of the Period is present.
    for series in parse(path).series:
        for stretch in series.stretches:
            expected = stretch.resolution.slots(stretch.start, stretch.end)
            assert len(stretch.points) == expected, f"{series.key} {stretch.start}"
            assert stretch.points[0][0] == stretch.start
            last = stretch.resolution.step(stretch.start, expected - 1)
            assert stretch.points[-1][0] == last
            assert stretch.resolution.step(last) == stretch.end
            assert all(value is not None for _, value in stretch.points)


def test_french_pumped_storage_keeps_its_hole_between_periods() -> None:
    document = parse(REAL / "generation_A75_A16_FR_PT60M_2024-06-15.xml")
    b10 = next(s for s in document.series if s.key.qualifier == "B10")
    assert [(s.start, s.end) for s in b10.stretches] == [
        (utc("2024-06-14T22:00"), utc("2024-06-15T01:00")),
        (utc("2024-06-15T17:00"), utc("2024-06-15T22:00")),
    ]
    timestamps = [ts for ts, _ in b10.points()]
    assert len(timestamps) == 8
    assert not any(utc("2024-06-15T01:00") <= ts < utc("2024-06-15T17:00") for ts in timestamps)
    pumping = next(s for s in document.series if s.key.qualifier == "B10:consumption")
    assert [ts for ts, _ in pumping.points()] == [
        utc("2024-06-15T01:00") + timedelta(hours=h) for h in range(16)
    ]


def test_de_lu_2025_prices_are_two_quarter_hour_sequences_without_duplicates() -> None:
    document = parse(REAL / "prices_A44_DE_LU_seq1_seq2_PT15M_2025-10-31.xml")
    by_qualifier = {s.key.qualifier: s for s in document.series}
    assert set(by_qualifier) == {"", "seq2"}
    expected = [utc("2025-10-30T23:00") + timedelta(minutes=15 * i) for i in range(192)]
    for series in by_qualifier.values():
        assert {s.resolution for s in series.stretches} == {Resolution.PT15M}
        assert [ts for ts, _ in series.points()] == expected
    sdac = dict(by_qualifier[""].points())
    exaa = dict(by_qualifier["seq2"].points())
    assert sdac[utc("2025-10-30T23:00")] == pytest.approx(102.81)
    assert exaa[utc("2025-10-30T23:00")] == pytest.approx(91.45)


def test_de_lu_2024_prices_keep_hourly_sdac_and_quarter_hour_exaa_apart() -> None:
    document = parse(REAL / "prices_A44_DE_LU_seq1_PT60M_seq2_PT15M_2024-10.xml")
    by_qualifier = {s.key.qualifier: s for s in document.series}
    assert {s.resolution for s in by_qualifier[""].stretches} == {Resolution.PT60M}
    assert {s.resolution for s in by_qualifier["seq2"].stretches} == {Resolution.PT15M}
    assert len(list(by_qualifier[""].points())) == 48
    assert len(list(by_qualifier["seq2"].points())) == 192


def test_spanish_prices_switch_from_hourly_to_quarter_hourly() -> None:
    document = parse(REAL / "prices_A44_ES_PT60M_to_PT15M_2025-09-29_10-02.xml")
    (prices,) = document.series
    switch = utc("2025-09-30T22:00")
    assert [(s.resolution, s.start) for s in prices.stretches] == [
        (Resolution.PT60M, utc("2025-09-28T22:00")),
        (Resolution.PT60M, utc("2025-09-29T22:00")),
        (Resolution.PT15M, switch),
        (Resolution.PT15M, utc("2025-10-01T22:00")),
    ]
    timestamps = [ts for ts, _ in prices.points()]
    assert len(timestamps) == 48 + 192 == len(set(timestamps))
    steps = [b - a for a, b in itertools.pairwise(timestamps)]
    index = timestamps.index(switch)
    assert set(steps[: index - 1]) == {timedelta(hours=1)}
    assert set(steps[index:]) == {timedelta(minutes=15)}


def test_installed_capacity_is_stamped_at_the_start_of_the_local_year() -> None:
    document = parse(REAL / "installed_capacity_A68_A33_NL_P1Y_2024.xml")
    assert len(document.series) == 20
    for series in document.series:
        (stretch,) = series.stretches
        assert stretch.resolution is Resolution.P1Y
        assert [ts for ts, _ in stretch.points] == [utc("2023-12-31T23:00")]


def test_dk2_forecast_days_merge_into_one_series() -> None:
    document = parse(REAL / "load_forecast_A65_A01_DK2_PT60M_curveA01_2023-12.xml")
    (forecast,) = document.series
    assert [s.start for s in forecast.stretches] == [
        utc(f"2023-12-{day}T23:00") for day in (27, 28, 29, 30)
    ]
    assert len(list(forecast.points())) == 96


def test_a01_curve_keeps_its_holes() -> None:
    # The guide's day-ahead sample sends positions 1 and 24 of 24; the 22 between stay missing.
    document = parse(GUIDE / "dayAhead.xml")
    (forecast,) = document.series
    assert list(forecast.points()) == [
        (utc("2015-12-31T23:00"), 6363.0),
        (utc("2016-01-01T22:00"), 6182.0),
    ]


def test_a01_week_ahead_keeps_its_holes_on_daily_slots() -> None:
    (minimum,) = parse(GUIDE / "weekAhead.xml").series
    assert minimum.key.qualifier == "min"
    assert list(minimum.points()) == [
        (utc("2015-12-27T23:00"), 6050.0),
        (utc("2016-01-02T23:00"), 6156.0),
    ]


def test_empty_gl_document_is_data_without_series() -> None:
    document = parse(GUIDE / "emptyTimeSeries.xml")
    assert document.kind == "data"
    assert document.series == []


def test_flow_from_guide_names_the_sending_area() -> None:
    (flow,) = parse(GUIDE / "A11_physical_flows_CZ-SK_ns7-0.xml").series
    assert (flow.key.area, flow.key.qualifier) == ("SK", "to:CZ")


def test_no_matching_data_acknowledgement_is_no_data() -> None:
    document = parse(REAL / "ack_no_matching_data_A44_DE_LU.xml")
    assert document.kind == "no_data"
    assert document.root == "Acknowledgement_MarketDocument"
    assert document.reason_code == "999"
    assert document.reason_text is not None
    assert document.reason_text.startswith("No matching data found for Data item ENERGY_PRICES")
    assert document.created == datetime(2026, 5, 24, 14, 11, 55, tzinfo=UTC)


def test_guide_acknowledgements() -> None:
    no_data = parse(GUIDE / "acknowledgement_999_no_data.xml")
    assert (no_data.kind, no_data.reason_code) == ("no_data", "999")
    error = parse(GUIDE / "acknowledgement_401_error.xml")
    assert (error.kind, error.reason_code) == ("error", "401")
    assert error.reason_text == "Unauthorized access to requested data"


def test_error_acknowledgement_with_code_999_is_an_error() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<Acknowledgement_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">
  <mRID>0f4b3e0c-2b1a-4</mRID>
  <createdDateTime>2026-05-24T14:11:55Z</createdDateTime>
  <sender_MarketParticipant.mRID codingScheme="A01">10X1001A1001A450</sender_MarketParticipant.mRID>
  <sender_MarketParticipant.marketRole.type>A32</sender_MarketParticipant.marketRole.type>
  <receiver_MarketParticipant.mRID codingScheme="A01">10X1001A1001A450</receiver_MarketParticipant.mRID>
  <receiver_MarketParticipant.marketRole.type>A39</receiver_MarketParticipant.marketRole.type>
  <received_MarketDocument.createdDateTime>2026-05-24T14:11:55Z</received_MarketDocument.createdDateTime>
  <Reason>
    <code>999</code>
    <text>Delivered Area EIC 10YDE-ENBW-----N is not valid.</text>
  </Reason>
</Acknowledgement_MarketDocument>"""
    document = parse_document(body)
    assert document.kind == "error"
    assert document.reason_code == "999"
    assert document.reason_text == "Delivered Area EIC 10YDE-ENBW-----N is not valid."
    assert document.series == []


def test_series_of_one_document_share_timestamp_objects() -> None:
    # Memory: 19 series x 96 slots reuse one set of datetimes instead of 19 copies.
    document = parse(REAL / "generation_A75_A16_DE_LU_PT15M_2024-06-15.xml")
    firsts = {id(next(series.points())[0]) for series in document.series}
    assert len(firsts) == 1
