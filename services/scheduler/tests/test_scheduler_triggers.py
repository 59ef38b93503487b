"""Fire times: cron in a named zone across both DST changes, intervals, jitter (pure logic)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridstream.scheduler.triggers import (
    CronTrigger,
    IntervalTrigger,
    fires_between,
    jitter,
    next_fire,
    prev_fire,
)

BERLIN = "Europe/Berlin"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def test_daily_cron_fires_once_a_day_across_spring_forward() -> None:
    fires = fires_between(CronTrigger("30 2 * * *", BERLIN), utc(2025, 3, 28), utc(2025, 4, 1))
    # 02:30 does not exist on 2025-03-30: it fires once at 03:00 CEST, the first instant after.
    assert fires == [
        utc(2025, 3, 28, 1, 30),
        utc(2025, 3, 29, 1, 30),
        utc(2025, 3, 30, 1, 0),
        utc(2025, 3, 31, 0, 30),
    ]


def test_daily_cron_fires_once_a_day_across_fall_back() -> None:
    fires = fires_between(CronTrigger("30 2 * * *", BERLIN), utc(2025, 10, 24), utc(2025, 10, 28))
    # 02:30 exists twice on 2025-10-26: it fires once, at the first (CEST) reading.
    assert fires == [
        utc(2025, 10, 24, 0, 30),
        utc(2025, 10, 25, 0, 30),
        utc(2025, 10, 26, 0, 30),
        utc(2025, 10, 27, 1, 30),
    ]


def test_daily_cron_has_one_fire_per_local_day_over_a_year() -> None:
    fires = fires_between(CronTrigger("30 2 * * *", BERLIN), utc(2025, 1, 1), utc(2026, 1, 1))
    assert len(fires) == 365
    days = {f.astimezone(ZoneInfo(BERLIN)).date() for f in fires}
    assert len(days) == 365


def test_hourly_cron_across_spring_forward() -> None:
    fires = fires_between(
        CronTrigger("0 * * * *", BERLIN), utc(2025, 3, 29, 23), utc(2025, 3, 30, 3)
    )
    # 01:00 CET, then 02:00 (nonexistent) and 03:00 CEST are the same instant: one fire.
    assert fires == [
        utc(2025, 3, 30, 0),
        utc(2025, 3, 30, 1),
        utc(2025, 3, 30, 2),
        utc(2025, 3, 30, 3),
    ]
    day = fires_between(
        CronTrigger("0 * * * *", BERLIN), utc(2025, 3, 29, 22, 59), utc(2025, 3, 30, 21, 59)
    )
    assert len(day) == 23


def test_hourly_cron_across_fall_back_fires_the_repeated_hour_once() -> None:
    fires = fires_between(
        CronTrigger("0 * * * *", BERLIN), utc(2025, 10, 25, 23, 30), utc(2025, 10, 26, 3)
    )
    # 02:00 CEST (00:00Z) fires; 02:00 CET (01:00Z) is the same wall-clock time again: no fire.
    assert fires == [utc(2025, 10, 26, 0), utc(2025, 10, 26, 2), utc(2025, 10, 26, 3)]
    day = fires_between(
        CronTrigger("0 * * * *", BERLIN), utc(2025, 10, 25, 21, 59), utc(2025, 10, 26, 22, 59)
    )
    assert len(day) == 24


def test_next_fire_is_strictly_after_even_inside_the_repeated_hour() -> None:
    daily = CronTrigger("30 2 * * *", BERLIN)
    assert next_fire(daily, utc(2025, 10, 26, 0, 30)) == utc(2025, 10, 27, 1, 30)
    # 01:10Z is 02:10 CET (second reading): today's 02:30 already fired at 00:30Z.
    assert next_fire(daily, utc(2025, 10, 26, 1, 10)) == utc(2025, 10, 27, 1, 30)
    assert next_fire(daily, utc(2025, 3, 30, 0, 59, 59)) == utc(2025, 3, 30, 1, 0)
    assert next_fire(daily, utc(2025, 3, 30, 1, 0)) == utc(2025, 3, 31, 0, 30)


def test_prev_fire_is_the_latest_at_or_before() -> None:
    daily = CronTrigger("30 2 * * *", BERLIN)
    assert prev_fire(daily, utc(2025, 10, 26, 0, 30)) == utc(2025, 10, 26, 0, 30)
    assert prev_fire(daily, utc(2025, 10, 26, 1, 10)) == utc(2025, 10, 26, 0, 30)
    assert prev_fire(daily, utc(2025, 3, 30, 1, 5)) == utc(2025, 3, 30, 1, 0)
    assert prev_fire(daily, utc(2025, 3, 30, 0, 59)) == utc(2025, 3, 29, 1, 30)
    every = IntervalTrigger(1800)
    assert prev_fire(every, utc(2025, 1, 1, 10, 45)) == utc(2025, 1, 1, 10, 30)
    assert prev_fire(every, utc(2025, 1, 1, 10, 30)) == utc(2025, 1, 1, 10, 30)


def test_six_field_cron_with_seconds() -> None:
    fires = fires_between(
        CronTrigger("*/20 * * * * *", "UTC"), utc(2025, 1, 1), utc(2025, 1, 1, 0, 1)
    )
    assert [f.second for f in fires] == [20, 40, 0]


def test_every_counts_from_the_epoch_so_replicas_agree() -> None:
    every = IntervalTrigger(1800)
    assert next_fire(every, utc(2025, 1, 1, 10, 7, 3)) == utc(2025, 1, 1, 10, 30)
    assert next_fire(every, utc(2025, 1, 1, 10, 30)) == utc(2025, 1, 1, 11, 0)
    assert fires_between(every, utc(2025, 1, 1), utc(2025, 1, 1, 1, 30)) == [
        utc(2025, 1, 1, 0, 30),
        utc(2025, 1, 1, 1, 0),
        utc(2025, 1, 1, 1, 30),
    ]


def test_fires_between_is_bounded() -> None:
    fires = fires_between(IntervalTrigger(1), utc(2025, 1, 1), utc(2026, 1, 1), limit=50)
    assert len(fires) == 50
    assert fires[0] == utc(2025, 1, 1, 0, 0, 1)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        next_fire(IntervalTrigger(60), datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: CronTrigger("61 * * * *", "UTC"), "invalid cron expression"),
        (lambda: CronTrigger("* * *", "UTC"), "invalid cron expression"),
        (lambda: CronTrigger("0 * * * *", "Mars/Olympus"), "unknown time zone"),
        (lambda: IntervalTrigger(0), "at least 1"),
    ],
)
def test_bad_triggers_say_what_is_wrong(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


def test_jitter_is_deterministic_and_within_bounds() -> None:
    fire = utc(2025, 1, 1, 12)
    offsets = {
        jitter("collect-fr-actual_load", fire + timedelta(minutes=m), 30) for m in range(200)
    }
    assert all(timedelta(0) <= o < timedelta(seconds=30) for o in offsets)
    assert len(offsets) > 150
    assert jitter("a", fire, 30) == jitter("a", fire, 30)
    assert jitter("a", fire, 30) != jitter("b", fire, 30)
    assert jitter("a", fire, 0) == timedelta(0)
