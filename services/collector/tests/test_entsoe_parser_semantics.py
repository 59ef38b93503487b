"""Parser semantics on small inline documents: curve types, empty values, calendars, merging, limits."""

from datetime import UTC, datetime, timedelta

import pytest

from gridstream.collector.entsoe import ParsedDocument, ParseError, parse_document

from .entsoe_documents import Point, gl, load_fields, period, timeseries, utc


def only_points(document: ParsedDocument) -> list[tuple[datetime, float | None]]:
    (series,) = document.series
    return list(series.points())


def hourly(start: str, count: int) -> list[datetime]:
    return [utc(start) + timedelta(hours=h) for h in range(count)]


def load_doc(
    points: list[Point],
    end: str = "2024-06-15T02:00Z",
    start: str = "2024-06-14T22:00Z",
    resolution: str = "PT60M",
    curve: str = "A03",
    business: str = "A04",
    process: str = "A16",
) -> bytes:
    fields = load_fields(curve, business=business)
    return gl([timeseries(fields, [period(start, end, resolution, points)])], process=process)


def values(body: bytes) -> list[float | None]:
    return [value for _, value in only_points(parse_document(body))]


def test_a03_fills_forward_to_the_period_end() -> None:
    doc = load_doc([(1, "5"), (3, "7")], end="2024-06-15T04:00Z")
    assert only_points(parse_document(doc)) == list(
        zip(hourly("2024-06-14T22:00", 6), [5.0, 5.0, 7.0, 7.0, 7.0, 7.0], strict=True)
    )


def test_a03_slots_before_the_first_point_are_missing_not_filled() -> None:
    assert only_points(parse_document(load_doc([(3, "7")]))) == [
        (utc("2024-06-15T00:00"), 7.0),
        (utc("2024-06-15T01:00"), 7.0),
    ]


def test_a03_never_fills_across_periods() -> None:
    periods = [
        period("2024-06-14T22:00Z", "2024-06-15T00:00Z", "PT60M", [(1, "1")]),
        period("2024-06-15T03:00Z", "2024-06-15T05:00Z", "PT60M", [(2, "2")]),
    ]
    (series,) = parse_document(gl([timeseries(load_fields(), periods)])).series
    assert [len(s.points) for s in series.stretches] == [2, 1]
    assert list(series.points()) == [
        (utc("2024-06-14T22:00"), 1.0),
        (utc("2024-06-14T23:00"), 1.0),
        (utc("2024-06-15T04:00"), 2.0),
    ]


def test_a01_emits_only_the_positions_sent() -> None:
    assert only_points(parse_document(load_doc([(1, "5"), (4, "8")], curve="A01"))) == [
        (utc("2024-06-14T22:00"), 5.0),
        (utc("2024-06-15T01:00"), 8.0),
    ]


def test_missing_curve_type_means_a01() -> None:
    doc = load_doc([(2, "8")]).replace(b"<curveType>A03</curveType>", b"")
    assert only_points(parse_document(doc)) == [(utc("2024-06-14T23:00"), 8.0)]


@pytest.mark.parametrize("curve", ["A01", "A03"])
def test_point_without_value_is_none_never_zero(curve: str) -> None:
    points: list[Point] = [(1, "5"), (2, None), (3, ""), (4, "6")]
    assert values(load_doc(points, curve=curve)) == [5.0, None, None, 6.0]


def test_a03_missing_value_holds_until_the_next_point() -> None:
    assert values(load_doc([(1, "5"), (2, None), (4, "6")])) == [5.0, None, None, 6.0]


def test_points_out_of_order_are_sorted() -> None:
    points: list[Point] = [(3, "3"), (1, "1"), (2, "2")]
    assert values(load_doc(points, end="2024-06-15T01:00Z")) == [1.0, 2.0, 3.0]


def test_daily_slots_of_a_dst_week_count_by_the_local_calendar() -> None:
    # Week of 2024-03-31 (CET -> CEST): 6 days 23 hours in UTC, still 7 daily slots.
    points: list[Point] = [(i, str(i)) for i in range(1, 8)]
    doc = load_doc(points, "2024-03-31T22:00Z", "2024-03-24T23:00Z", "P1D", process="A31")
    stamps = [ts for ts, _ in only_points(parse_document(doc))]
    assert stamps == [utc("2024-03-24T23:00") + timedelta(days=d) for d in range(7)]


def test_autumn_dst_week_has_seven_daily_slots_not_eight() -> None:
    doc = load_doc([(1, "9")], "2024-10-27T23:00Z", "2024-10-20T22:00Z", "P1D", process="A31")
    assert len(values(doc)) == 7


def test_monthly_resolution_steps_by_calendar_months() -> None:
    points: list[Point] = [(1, "1"), (3, "3")]
    doc = load_doc(points, "2024-03-31T22:00Z", "2023-12-31T23:00Z", "P1M", process="A32")
    assert only_points(parse_document(doc)) == [
        (utc("2023-12-31T23:00"), 1.0),
        (utc("2024-01-31T23:00"), 1.0),
        (utc("2024-02-29T23:00"), 3.0),
    ]


@pytest.mark.parametrize(
    ("resolution", "end", "slots"),
    [
        ("PT1M", "2024-06-14T22:30Z", 30),
        ("PT30M", "2024-06-15T22:00Z", 48),
        ("PT1H", "2024-06-15T22:00Z", 24),
    ],
)
def test_other_resolutions(resolution: str, end: str, slots: int) -> None:
    assert len(values(load_doc([(1, "1")], end, resolution=resolution))) == slots


def test_same_key_timeseries_merge_sorted_without_duplicate_timestamps() -> None:
    later = timeseries(
        load_fields(), [period("2024-06-15T00:00Z", "2024-06-15T03:00Z", "PT60M", [(1, "9")])]
    )
    earlier = timeseries(
        load_fields(), [period("2024-06-14T22:00Z", "2024-06-15T01:00Z", "PT60M", [(1, "1")])]
    )
    (series,) = parse_document(gl([later, earlier])).series
    assert [s.start for s in series.stretches] == [utc("2024-06-14T22:00"), utc("2024-06-15T00:00")]
    assert list(series.points()) == [
        (utc("2024-06-14T22:00"), 1.0),
        (utc("2024-06-14T23:00"), 1.0),
        (utc("2024-06-15T00:00"), 1.0),
        (utc("2024-06-15T01:00"), 9.0),
        (utc("2024-06-15T02:00"), 9.0),
    ]


def test_fully_repeated_timeseries_is_dropped() -> None:
    repeated = timeseries(
        load_fields(), [period("2024-06-14T22:00Z", "2024-06-14T23:00Z", "PT60M", [(1, "1")])]
    )
    (series,) = parse_document(gl([repeated, repeated])).series
    assert len(series.stretches) == 1


def test_namespace_version_does_not_matter() -> None:
    body = [
        timeseries(
            load_fields(), [period("2024-06-14T22:00Z", "2024-06-14T23:00Z", "PT60M", [(1, "1")])]
        )
    ]
    assert only_points(parse_document(gl(body))) == only_points(
        parse_document(gl(body, ns="urn:iec62325.351:tc57wg16:451-6:generationloaddocument:9:9"))
    )


@pytest.mark.parametrize(
    ("points", "end", "resolution", "message"),
    [
        ([(1, "1"), (1, "2")], "2024-06-15T00:00Z", "PT60M", "position 1 is repeated"),
        ([(0, "1")], "2024-06-15T00:00Z", "PT60M", "position 0 is below 1"),
        ([(3, "1")], "2024-06-15T00:00Z", "PT60M", "position 3 is beyond its 2 slots"),
        ([(1, "abc")], "2024-06-15T00:00Z", "PT60M", "non-numeric value 'abc'"),
        ([(1, "NaN")], "2024-06-15T00:00Z", "PT60M", "non-finite value"),
        ([(1, "1")], "2024-06-14T22:50Z", "PT15M", "not whole PT15M slots"),
        ([(1, "1")], "2024-06-14T21:00Z", "PT60M", "ends .* before it starts"),
        ([(1, "1")], "2024-06-15T00:00Z", "PT5M", "unsupported resolution 'PT5M'"),
        ([(1, "1")], "2024-06-15T00:00", "PT60M", "has no time zone"),
        ([(1, "1")], "tomorrow", "PT60M", "invalid Period end 'tomorrow'"),
    ],
)
def test_bad_periods(points: list[Point], end: str, resolution: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_document(load_doc(points, end, resolution=resolution))


@pytest.mark.parametrize(
    ("start", "end", "resolution", "message"),
    [
        ("9999-12-31T20:00Z", "9999-12-31T23:00Z", "P1Y", "runs out of the calendar"),
        ("0001-01-01T00:00Z", "0001-01-01T01:00Z", "P1M", "runs out of the calendar"),
        ("0001-01-01T00:00+01:00", "0001-01-02T00:00Z", "PT60M", "invalid Period start"),
    ],
)
def test_periods_at_the_edge_of_the_calendar(
    start: str, end: str, resolution: str, message: str
) -> None:
    with pytest.raises(ParseError, match=message):
        parse_document(load_doc([(1, "1")], end, start, resolution))


def test_point_without_position_names_its_line() -> None:
    doc = load_doc([]).replace(
        b"</resolution>", b"</resolution>\n<Point><quantity>1</quantity></Point>"
    )
    with pytest.raises(ParseError, match=r"Point at line 2 has no valid position"):
        parse_document(doc)


def test_a03_expansion_is_bounded_by_max_points() -> None:
    # One Point of PT1M over ten years would be five million slots.
    doc = load_doc([(1, "1")], "2024-01-01T00:00Z", "2014-01-01T00:00Z", "PT1M")
    with pytest.raises(ParseError, match="more than 1000 points"):
        parse_document(doc, max_points=1000)


def test_header_fields_are_read() -> None:
    document = parse_document(gl([]))
    assert (
        document.mrid,
        document.revision_number,
        document.document_type,
        document.process_type,
    ) == ("abc", 2, "A65", "A16")
    assert document.created == datetime(2024, 6, 15, 10, 0, tzinfo=UTC)
    assert document.interval == (utc("2024-06-14T22:00"), utc("2024-06-15T22:00"))
