"""Catch-up after downtime: grace, coalescing, the first start and overlap (pure logic)."""

from datetime import UTC, datetime, timedelta

import pytest

from gridstream.scheduler.catchup import Plan, overlap, plan
from gridstream.scheduler.spec import ScheduleSpec


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def every_10_min(coalesce: bool, grace: int = 900) -> ScheduleSpec:
    return ScheduleSpec(
        name="gapscan",
        every=600,
        command_type="GapScanRequested",
        coalesce=coalesce,
        misfire_grace_seconds=grace,
    )


LAST, NEXT = utc(2025, 1, 1, 11, 50), utc(2025, 1, 1, 12, 0)
# Stopped for three periods (12:00, 12:10, 12:20 and 12:30 are due at 12:31).
NOW = utc(2025, 1, 1, 12, 31)


def test_nothing_due_before_next_fire() -> None:
    assert plan(every_10_min(True), LAST, NEXT, NEXT - timedelta(seconds=1)) == Plan([], [], NEXT)


def test_on_time_fire() -> None:
    assert plan(every_10_min(True), LAST, NEXT, NEXT) == Plan([NEXT], [], utc(2025, 1, 1, 12, 10))


def test_with_coalesce_one_late_fire_and_the_rest_missed() -> None:
    result = plan(every_10_min(True), LAST, NEXT, NOW)
    assert result.fire == [utc(2025, 1, 1, 12, 30)]
    assert result.missed == [
        utc(2025, 1, 1, 12, 0),
        utc(2025, 1, 1, 12, 10),
        utc(2025, 1, 1, 12, 20),
    ]
    assert result.next_fire == utc(2025, 1, 1, 12, 40)


def test_without_coalesce_fires_within_grace_and_older_ones_missed() -> None:
    result = plan(every_10_min(False), LAST, NEXT, NOW)
    # Grace 15 min: 12:16 is the oldest that may still fire.
    assert result.fire == [utc(2025, 1, 1, 12, 20), utc(2025, 1, 1, 12, 30)]
    assert result.missed == [utc(2025, 1, 1, 12, 0), utc(2025, 1, 1, 12, 10)]
    assert result.next_fire == utc(2025, 1, 1, 12, 40)


def test_grace_boundary_is_inclusive() -> None:
    result = plan(every_10_min(False, grace=600), LAST, NEXT, utc(2025, 1, 1, 12, 20))
    assert result.fire == [utc(2025, 1, 1, 12, 10), utc(2025, 1, 1, 12, 20)]
    assert result.missed == [NEXT]


def test_everything_too_old_is_missed_even_with_coalesce() -> None:
    spec = ScheduleSpec(name="daily", cron="0 6 * * *", command_type="GapScanRequested")
    now = utc(2025, 1, 4, 7)  # an hour after today's 06:00: beyond the 5-minute grace
    result = plan(spec, utc(2025, 1, 1, 6), utc(2025, 1, 2, 6), now)
    assert result.fire == []
    assert result.missed == [utc(2025, 1, 2, 6), utc(2025, 1, 3, 6), utc(2025, 1, 4, 6)]
    assert result.next_fire == utc(2025, 1, 5, 6)


def test_first_start_fires_once_at_once() -> None:
    result = plan(every_10_min(True, grace=0), None, utc(2025, 1, 1, 12, 40), NOW)
    # Its fire time is the latest trigger instant, so every replica computes the same fire id.
    assert result == Plan([utc(2025, 1, 1, 12, 30)], [], utc(2025, 1, 1, 12, 40))
    daily = ScheduleSpec(name="daily", cron="0 2 * * *", command_type="GapScanRequested")
    assert plan(daily, None, utc(2025, 1, 2, 2), NOW).fire == [utc(2025, 1, 1, 2)]


def test_work_per_plan_is_bounded_and_continues_next_tick() -> None:
    spec = ScheduleSpec(
        name="s", every=1, command_type="GapScanRequested", coalesce=False, misfire_grace_seconds=0
    )
    start, now = utc(2025, 1, 1), utc(2025, 1, 2)
    first = plan(spec, start - timedelta(seconds=1), start, now, limit=100)
    assert len(first.missed) == 100
    assert first.fire == []
    assert first.next_fire == start + timedelta(seconds=100)
    coalesced = ScheduleSpec(name="s", every=1, command_type="GapScanRequested")
    result = plan(coalesced, start - timedelta(seconds=1), start, now, limit=100)
    assert result.fire == [now]
    assert len(result.missed) == 100
    assert result.missed_truncated


@pytest.mark.parametrize(
    ("policy", "open_fire", "buffered", "action"),
    [
        ("skip", False, False, "fire"),
        ("skip", True, False, "skip"),
        ("allow", True, True, "fire"),
        ("buffer_one", False, False, "fire"),
        ("buffer_one", True, False, "buffer"),
        ("buffer_one", True, True, "skip"),
    ],
)
def test_overlap(policy: str, open_fire: bool, buffered: bool, action: str) -> None:
    assert overlap(policy, open_fire, buffered) == action  # type: ignore[arg-type]
