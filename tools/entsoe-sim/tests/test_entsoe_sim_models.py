"""The signal models are realistic and pure: ranges, shapes, seasons, determinism and revisions."""

import itertools
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridstream.contracts import DataType, get_area
from gridstream.entsoe_sim import value_at, values_at
from gridstream.entsoe_sim.profiles import profile_for
from gridstream.entsoe_sim.signals import moment, wind_factor

YEAR_START = datetime(2024, 1, 1, tzinfo=UTC)
HOURS = [YEAR_START + timedelta(hours=h) for h in range(0, 366 * 24, 5)]


def load(area: str, ts: datetime) -> float:
    value = value_at(1, get_area(area), DataType.ACTUAL_LOAD, "", ts)
    assert value is not None
    return value


def local(area: str, year: int, month: int, day: int, hour: int) -> datetime:
    tz = ZoneInfo(get_area(area).tz)
    return datetime(year, month, day, hour, tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize(
    ("area", "low", "high"),
    [("DE_LU", (38_000, 44_000), (70_000, 78_000)), ("FR", (33_000, 40_000), (72_000, 83_000)),
     ("NL", (9_500, 11_500), (16_500, 18_600))],
)  # fmt: skip
def test_load_spans_the_area_range(area: str, low: tuple[int, int], high: tuple[int, int]) -> None:
    values = [load(area, ts) for ts in HOURS]
    assert low[0] <= min(values) <= low[1]
    assert high[0] <= max(values) <= high[1]


def test_load_has_daily_weekly_and_seasonal_shape() -> None:
    assert load("DE_LU", local("DE_LU", 2024, 6, 12, 3)) < load(
        "DE_LU", local("DE_LU", 2024, 6, 12, 12)
    )
    wednesday = [load("DE_LU", local("DE_LU", 2024, 6, 12, h)) for h in range(24)]
    sunday = [load("DE_LU", local("DE_LU", 2024, 6, 16, h)) for h in range(24)]
    assert statistics.mean(wednesday) > 1.1 * statistics.mean(sunday)
    january = [load("FR", local("FR", 2024, 1, 17, h)) for h in range(24)]
    july = [load("FR", local("FR", 2024, 7, 17, h)) for h in range(24)]
    assert statistics.mean(january) > 1.3 * statistics.mean(july)


def test_solar_is_a_bell_by_day_of_year() -> None:
    def solar(month: int, hour: int) -> float:
        return values_at(
            1, get_area("DE_LU"), DataType.GENERATION_ACTUAL, local("DE_LU", 2024, month, 15, hour)
        )["B16"]

    assert solar(6, 0) == solar(12, 20) == 0.0
    assert solar(6, 13) > solar(6, 8) > solar(6, 5) >= 0.0
    assert solar(6, 13) > 2 * solar(12, 13) > 0.0


def test_wind_wanders_within_bounds() -> None:
    factors = [wind_factor(1, "DE_LU", moment(ts, "Europe/Berlin"), offshore=False) for ts in HOURS]
    assert 0.02 <= min(factors) < 0.1
    assert 0.6 < max(factors) <= 0.92
    assert statistics.pstdev(factors) > 0.1
    steps = [abs(b - a) for a, b in itertools.pairwise(factors)]
    assert max(steps) < 0.35  # five hours apart: no jumps


def test_prices_have_a_daily_curve_and_rare_negative_hours() -> None:
    area = get_area("DE_LU")
    prices = [values_at(1, area, DataType.DAY_AHEAD_PRICE, ts)[""] for ts in HOURS]
    negative = [p for p in prices if p < 0]
    assert 0 < len(negative) < 0.05 * len(prices)
    assert 50 < statistics.mean(prices) < 120
    summer_noon = [
        values_at(1, area, DataType.DAY_AHEAD_PRICE, local("DE_LU", 2024, 7, d, 13))[""]
        for d in range(1, 31)
    ]
    summer_evening = [
        values_at(1, area, DataType.DAY_AHEAD_PRICE, local("DE_LU", 2024, 7, d, 19))[""]
        for d in range(1, 31)
    ]
    assert statistics.mean(summer_noon) < statistics.mean(summer_evening)


def test_forecasts_stay_close_to_actuals_and_min_below_max() -> None:
    area = get_area("NL")
    for ts in HOURS[::20]:
        actual = load("NL", ts)
        forecast = value_at(1, area, DataType.LOAD_FORECAST_DAY_AHEAD, "", ts)
        assert forecast == pytest.approx(actual, rel=0.05)
        week = values_at(1, area, DataType.LOAD_FORECAST_WEEK_AHEAD, ts)
        assert week["min"] < week["max"]


def test_generation_mix_is_plausible() -> None:
    area = get_area("FR")
    for ts in HOURS[::10]:
        mix = values_at(1, area, DataType.GENERATION_ACTUAL, ts)
        assert all(value >= 0 for value in mix.values())
        assert mix["B14"] > 0.35 * 61_400  # the French fleet runs
        assert not (mix.get("B10", 0) > 0 and mix.get("B10:consumption", 0) > 0)  # pump or turbine
        produced = sum(v for q, v in mix.items() if not q.endswith(":consumption"))
        assert 0.6 * load("FR", ts) < produced < 1.6 * load("FR", ts)


def test_installed_capacity_by_year() -> None:
    area = get_area("NL")
    stamp = datetime(2023, 12, 31, 23, tzinfo=UTC)
    capacity = values_at(1, area, DataType.INSTALLED_CAPACITY, stamp)
    assert capacity["B04"] == 18476
    assert capacity["B16"] == 27980
    assert sorted(capacity) == [f"B{n:02d}" for n in range(1, 21)]
    later = values_at(1, area, DataType.INSTALLED_CAPACITY, datetime(2024, 12, 31, 23, tzinfo=UTC))
    assert later["B16"] > capacity["B16"]
    german = values_at(
        1, get_area("DE_LU"), DataType.INSTALLED_CAPACITY, datetime(2022, 12, 31, 23, tzinfo=UTC)
    )
    assert german["B14"] > 0
    assert values_at(1, get_area("DE_LU"), DataType.INSTALLED_CAPACITY, stamp)["B14"] == 0


def test_values_are_pure_and_revisions_change_them() -> None:
    area = get_area("DE_LU")
    ts = datetime(2024, 6, 15, 9, tzinfo=UTC)
    first = value_at(1, area, DataType.ACTUAL_LOAD, "", ts)
    assert first == value_at(1, area, DataType.ACTUAL_LOAD, "", ts)
    assert first != value_at(2, area, DataType.ACTUAL_LOAD, "", ts)
    second = value_at(1, area, DataType.ACTUAL_LOAD, "", ts, revision=2)
    third = value_at(1, area, DataType.ACTUAL_LOAD, "", ts, revision=3)
    assert first is not None
    assert second is not None
    assert third is not None
    assert len({first, second, third}) == 3
    assert second == pytest.approx(first, rel=0.07)
    assert value_at(1, area, DataType.ACTUAL_LOAD, "B16", ts) is None


def test_every_area_has_a_profile() -> None:
    for code in (
        "PL",
        "ES",
        "IT_NORD",
        "DK_1",
        "NO_1",
        "SE_3",
        "CH",
        "CZ",
        "HU",
        "DE",
        "DE_TENNET",
    ):
        profile = profile_for(get_area(code), 1)
        assert profile.trough_mw < profile.peak_mw
        assert load(code, datetime(2024, 3, 1, 12, tzinfo=UTC)) > 0
    assert profile_for(get_area("HU"), 1) == profile_for(get_area("HU"), 1)
