"""Slot grids and publication horizons: local days, weeks and years, DST, and release times."""

from datetime import UTC, datetime, timedelta

import pytest

from gridstream.contracts import DataType, Resolution
from gridstream.entsoe_sim.availability import published_until
from gridstream.entsoe_sim.grids import Grid, blocks_for

AMS = "Europe/Amsterdam"


def quarter_hourly(day_start: datetime) -> Resolution:
    return Resolution.PT15M


def test_year_ahead_weeks_match_the_real_grid() -> None:
    blocks = blocks_for(
        Grid.YEAR_WEEKS, datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC), AMS
    )
    assert [(b.start, b.end, len(b.slots())) for b in blocks] == [
        (datetime(2023, 12, 31, 23, tzinfo=UTC), datetime(2025, 1, 5, 23, tzinfo=UTC), 53)
    ]
    next_year = blocks_for(
        Grid.YEAR_WEEKS, datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 7, tzinfo=UTC), AMS
    )
    assert next_year[0].start == datetime(2025, 1, 5, 23, tzinfo=UTC)


def test_a_week_inside_the_year_keeps_the_year_grid() -> None:
    (block,) = blocks_for(
        Grid.YEAR_WEEKS, datetime(2024, 7, 2, tzinfo=UTC), datetime(2024, 7, 3, tzinfo=UTC), AMS
    )
    # 7-day steps from 2023-12-31T23:00Z: Monday 01:00 in summer time, not local midnight.
    assert block.start == datetime(2024, 6, 30, 23, tzinfo=UTC)
    assert block.resolution is Resolution.P7D


@pytest.mark.parametrize(
    ("day", "slots"),
    [(datetime(2025, 3, 29, 23, tzinfo=UTC), 92), (datetime(2025, 10, 25, 22, tzinfo=UTC), 100)],
)
def test_price_days_follow_dst(day: datetime, slots: int) -> None:
    (block,) = blocks_for(
        Grid.PRICE_DAYS, day, day + timedelta(hours=1), AMS, day_resolution=quarter_hourly
    )
    assert block.start == day
    assert len(block.slots()) == slots


def test_week_days_start_on_local_monday() -> None:
    (block,) = blocks_for(
        Grid.WEEK_DAYS,
        datetime(2023, 8, 16, tzinfo=UTC),
        datetime(2023, 8, 17, tzinfo=UTC),
        "Europe/Prague",
    )
    assert (block.start, block.end) == (
        datetime(2023, 8, 13, 22, tzinfo=UTC),
        datetime(2023, 8, 20, 22, tzinfo=UTC),
    )
    assert len(block.slots()) == 7


def test_installed_capacity_year_is_stamped_at_local_new_year() -> None:
    (block,) = blocks_for(
        Grid.YEARS, datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC), AMS
    )
    assert (block.start, block.end) == (
        datetime(2023, 12, 31, 23, tzinfo=UTC),
        datetime(2024, 12, 31, 23, tzinfo=UTC),
    )
    assert block.slots() == [(block.start, block.end)]


def test_mtu_grid_covers_partial_slots() -> None:
    (block,) = blocks_for(
        Grid.MTU,
        datetime(2024, 1, 1, 0, 10, tzinfo=UTC),
        datetime(2024, 1, 1, 1, 5, tzinfo=UTC),
        AMS,
        mtu=Resolution.PT15M,
    )
    assert (block.start, block.end) == (
        datetime(2024, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2024, 1, 1, 1, 15, tzinfo=UTC),
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data_type", "now", "expected"),
    [
        # Day-ahead prices for tomorrow at 12:45 Brussels (CEST: 10:45Z).
        (DataType.DAY_AHEAD_PRICE, utc(2025, 6, 10, 10, 44), utc(2025, 6, 10, 22)),
        (DataType.DAY_AHEAD_PRICE, utc(2025, 6, 10, 10, 45), utc(2025, 6, 11, 22)),
        (DataType.LOAD_FORECAST_DAY_AHEAD, utc(2025, 1, 10, 9), utc(2025, 1, 11, 23)),
        (DataType.WIND_SOLAR_FORECAST_DAY_AHEAD, utc(2025, 1, 10, 16, 59), utc(2025, 1, 10, 23)),
        # Realized: one hour after the MTU ends.
        (DataType.ACTUAL_LOAD, utc(2025, 1, 10, 12, 7), utc(2025, 1, 10, 11)),
        # Week-ahead: next week from Friday 10:00 Brussels (2025-01-10 is a Friday).
        (DataType.LOAD_FORECAST_WEEK_AHEAD, utc(2025, 1, 10, 8, 59), utc(2025, 1, 12, 23)),
        (DataType.LOAD_FORECAST_WEEK_AHEAD, utc(2025, 1, 10, 9), utc(2025, 1, 19, 23)),
        # Month-ahead: next month's weeks from a week before it starts.
        (DataType.LOAD_FORECAST_MONTH_AHEAD, utc(2025, 1, 10), utc(2025, 2, 2, 23)),
        (DataType.LOAD_FORECAST_MONTH_AHEAD, utc(2025, 1, 26), utc(2025, 3, 2, 23)),
        # Year products: Y+1 from 15 December (forecasts) and 24 December (capacity).
        (DataType.INSTALLED_CAPACITY, utc(2024, 12, 20), utc(2024, 12, 31, 23)),
        (DataType.INSTALLED_CAPACITY, utc(2024, 12, 24), utc(2025, 12, 31, 23)),
        (DataType.FORECAST_MARGIN_YEAR_AHEAD, utc(2024, 12, 20), utc(2025, 12, 31, 23)),
        (DataType.LOAD_FORECAST_YEAR_AHEAD, utc(2024, 12, 20), utc(2026, 1, 4, 23)),
    ],
)
def test_published_until(data_type: DataType, now: datetime, expected: datetime) -> None:
    assert published_until(data_type, now, AMS, Resolution.PT15M) == expected
