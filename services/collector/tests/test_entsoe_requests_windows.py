"""Window splitting: calendar months (or years) in UTC, exact bounds, leap years, partial ends."""

import itertools
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gridstream.collector.entsoe.errors import EntsoeInvalidRequest
from gridstream.collector.entsoe.requests import build_request
from gridstream.collector.entsoe.windows import next_boundary, split_for, split_range
from gridstream.contracts import DataType


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def bounds(start: datetime, end: datetime, months: int = 1) -> list[tuple[datetime, datetime]]:
    return [(w.start, w.end) for w in split_range(start, end, months)]


def test_three_whole_months_give_three_windows() -> None:
    assert bounds(utc(2024, 1, 1), utc(2024, 4, 1)) == [
        (utc(2024, 1, 1), utc(2024, 2, 1)),
        (utc(2024, 2, 1), utc(2024, 3, 1)),
        (utc(2024, 3, 1), utc(2024, 4, 1)),
    ]


def test_partial_first_and_last_windows_keep_the_exact_bounds() -> None:
    assert bounds(utc(2024, 1, 15, 6, 30), utc(2024, 3, 10, 12, 15)) == [
        (utc(2024, 1, 15, 6, 30), utc(2024, 2, 1)),
        (utc(2024, 2, 1), utc(2024, 3, 1)),
        (utc(2024, 3, 1), utc(2024, 3, 10, 12, 15)),
    ]


def test_a_range_inside_one_month_is_one_window() -> None:
    assert bounds(utc(2024, 2, 3, 1, 15), utc(2024, 2, 29, 23, 45)) == [
        (utc(2024, 2, 3, 1, 15), utc(2024, 2, 29, 23, 45))
    ]


def test_leap_february_is_cut_after_the_29th() -> None:
    assert bounds(utc(2024, 2, 29, 12), utc(2024, 3, 1, 6)) == [
        (utc(2024, 2, 29, 12), utc(2024, 3, 1)),
        (utc(2024, 3, 1), utc(2024, 3, 1, 6)),
    ]
    assert bounds(utc(2023, 2, 28, 12), utc(2023, 3, 1, 6)) == [
        (utc(2023, 2, 28, 12), utc(2023, 3, 1)),
        (utc(2023, 3, 1), utc(2023, 3, 1, 6)),
    ]


def test_the_year_boundary_cuts_at_new_year_utc() -> None:
    assert bounds(utc(2023, 12, 15), utc(2024, 1, 15)) == [
        (utc(2023, 12, 15), utc(2024, 1, 1)),
        (utc(2024, 1, 1), utc(2024, 1, 15)),
    ]


def test_boundaries_are_utc_whatever_zone_the_bounds_were_given_in() -> None:
    cet = timezone(timedelta(hours=1))
    start = datetime(2024, 1, 1, tzinfo=cet)  # 2023-12-31T23:00Z
    assert bounds(start, datetime(2024, 1, 2, tzinfo=cet)) == [
        (utc(2023, 12, 31, 23), utc(2024, 1, 1)),
        (utc(2024, 1, 1), utc(2024, 1, 1, 23)),
    ]


def test_yearly_windows_follow_calendar_years() -> None:
    assert bounds(utc(2023, 7, 1), utc(2025, 3, 1), 12) == [
        (utc(2023, 7, 1), utc(2024, 1, 1)),
        (utc(2024, 1, 1), utc(2025, 1, 1)),
        (utc(2025, 1, 1), utc(2025, 3, 1)),
    ]


def test_split_for_uses_the_type_limit() -> None:
    start, end = utc(2024, 1, 1), utc(2025, 1, 1)
    assert len(split_for(DataType.ACTUAL_LOAD, start, end)) == 12
    assert len(split_for(DataType.INSTALLED_CAPACITY, start, end)) == 1
    assert len(split_for("load_forecast_month_ahead", start, end)) == 1


def test_next_boundary() -> None:
    assert next_boundary(utc(2024, 12, 31, 23, 59), 1) == utc(2025, 1, 1)
    assert next_boundary(utc(2024, 12, 1), 12) == utc(2025, 1, 1)
    assert next_boundary(utc(2024, 1, 1), 12) == utc(2025, 1, 1)
    assert next_boundary(utc(2024, 2, 29), 1) == utc(2024, 3, 1)
    assert next_boundary(utc(2024, 5, 20), 3) == utc(2024, 7, 1)


@pytest.mark.parametrize("data_type", [DataType.ACTUAL_LOAD, DataType.INSTALLED_CAPACITY])
def test_random_ranges_are_covered_exactly_by_acceptable_windows(data_type: DataType) -> None:
    rng = random.Random(20240229)
    base = utc(2019, 1, 1)
    for _ in range(300):
        start = base + timedelta(minutes=15 * rng.randrange(0, 6 * 35_040))
        end = start + timedelta(minutes=15 * rng.randrange(1, 3 * 35_040))
        windows = split_for(data_type, start, end)
        assert windows[0].start == start
        assert windows[-1].end == end
        for before, after in itertools.pairwise(windows):
            assert before.end == after.start
        for window in windows:
            # raises EntsoeInvalidRequest when a window is over the API limit
            build_request(data_type, "NL", window.start, window.end)


def test_empty_or_reversed_ranges_and_naive_bounds_are_refused() -> None:
    with pytest.raises(EntsoeInvalidRequest, match="must be after"):
        split_range(utc(2024, 1, 1), utc(2024, 1, 1), 1)
    with pytest.raises(EntsoeInvalidRequest, match="no time zone"):
        split_range(datetime(2024, 1, 1), utc(2024, 2, 1), 1)
    with pytest.raises(ValueError, match="divide 12"):
        split_range(utc(2024, 1, 1), utc(2024, 2, 1), 5)
