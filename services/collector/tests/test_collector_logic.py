"""Pure collector logic: latest-window planning, event splitting, backfill coverage."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from gridstream.collector.backfill_store import uncovered
from gridstream.collector.outgoing import SeriesChange, data_ready_events, derived_id
from gridstream.collector.planning import LatestPlan, PlanningPolicy, plan_latest, split_long
from gridstream.contracts import DataType, Resolution, SeriesKey, TimeWindow

NOW = datetime(2025, 6, 15, 12, 7, 31, tzinfo=UTC)
POLICY = PlanningPolicy(revision_lookback=timedelta(hours=24), initial_lookback=timedelta(days=7))


def window(start: str, end: str) -> TimeWindow:
    return TimeWindow(start=datetime.fromisoformat(start), end=datetime.fromisoformat(end))


def test_realized_data_starts_at_the_last_point_minus_the_lookback() -> None:
    last = datetime(2025, 6, 15, 9, 45, tzinfo=UTC)
    planned = plan_latest("NL", DataType.ACTUAL_LOAD, last, NOW, POLICY)
    assert planned == window("2025-06-14T09:45+00:00", "2025-06-15T12:07+00:00")


def test_a_series_without_data_starts_at_the_initial_lookback() -> None:
    planned = plan_latest("NL", DataType.GENERATION_ACTUAL, None, NOW, POLICY)
    assert planned.start == datetime(2025, 6, 8, 12, 7, tzinfo=UTC)


def test_day_ahead_items_run_to_the_end_of_tomorrow_in_local_time() -> None:
    last = datetime(2025, 6, 16, 21, 45, tzinfo=UTC)
    planned = plan_latest("DE_LU", DataType.DAY_AHEAD_PRICE, last, NOW, POLICY)
    # Berlin is UTC+2 in June: today starts 2025-06-14T22:00Z, tomorrow ends 2025-06-16T22:00Z.
    assert planned == window("2025-06-13T22:00+00:00", "2025-06-16T22:00+00:00")


def test_longer_range_forecasts_cover_their_horizon() -> None:
    month = plan_latest("FR", DataType.LOAD_FORECAST_MONTH_AHEAD, NOW, NOW, POLICY)
    assert month == window("2025-05-31T22:00+00:00", "2025-08-31T22:00+00:00")
    year = plan_latest("FR", DataType.INSTALLED_CAPACITY, NOW, NOW, POLICY)
    assert year == window("2024-12-31T23:00+00:00", "2026-12-31T23:00+00:00")


def test_a_window_within_the_largest_request_window_is_collected_whole() -> None:
    short = window("2025-05-15T09:45+00:00", "2025-06-15T09:45+00:00")
    assert split_long(DataType.ACTUAL_LOAD, short) == LatestPlan(collect=short)


def test_after_a_long_downtime_only_the_newest_request_window_is_collected_now() -> None:
    last = datetime(2025, 3, 20, 9, 45, tzinfo=UTC)
    planned = plan_latest("NL", DataType.ACTUAL_LOAD, last, NOW, POLICY)
    plan = split_long(DataType.ACTUAL_LOAD, planned)
    # Cut on the request-window grid (1 June, UTC): no request window is fetched twice.
    assert plan == LatestPlan(
        collect=window("2025-06-01T00:00+00:00", "2025-06-15T12:07+00:00"),
        backfill=window("2025-03-19T09:45+00:00", "2025-06-01T00:00+00:00"),
    )


def test_forecast_windows_are_never_split() -> None:
    year = plan_latest("FR", DataType.INSTALLED_CAPACITY, NOW, NOW, POLICY)
    assert split_long(DataType.INSTALLED_CAPACITY, year) == LatestPlan(collect=year)
    month = plan_latest("FR", DataType.LOAD_FORECAST_MONTH_AHEAD, NOW, NOW, POLICY)
    assert split_long(DataType.LOAD_FORECAST_MONTH_AHEAD, month) == LatestPlan(collect=month)


def test_data_ready_is_split_into_bounded_parts() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    points: list[tuple[datetime, float | None]] = [
        (start + timedelta(minutes=15 * i), float(i)) for i in range(250)
    ]
    change = SeriesChange(
        key=SeriesKey(area="NL", data_type="actual_load"),
        unit="MW",
        resolution=Resolution.PT15M,
        points=points,
        changed=frozenset({points[120][0]}),
    )
    cause = uuid4()
    parts = data_ready_events(change, {"correlation_id": cause, "causation_id": cause}, 100)
    assert [len(p.points) for p in parts] == [100, 100, 50]
    assert [(p.part, p.parts) for p in parts] == [(1, 3), (2, 3), (3, 3)]
    assert [p.revision for p in parts] == [False, True, False]
    assert parts[0].window.end == parts[1].window.start
    assert parts[2].window.end == points[-1][0] + timedelta(minutes=15)


def test_derived_ids_are_stable_and_distinct() -> None:
    cause = uuid4()
    assert derived_id(cause, "completed") == derived_id(cause, "completed")
    assert derived_id(cause, "failed", 1) != derived_id(cause, "failed", 2)


@pytest.mark.parametrize(
    ("covered", "expected"),
    [
        ([], [("2024-01-01", "2024-04-01")]),
        ([("2024-01-01", "2024-03-01")], [("2024-03-01", "2024-04-01")]),
        ([("2023-06-01", "2025-01-01")], []),
        (
            [("2024-02-01", "2024-02-15"), ("2024-02-10", "2024-03-01")],
            [("2024-01-01", "2024-02-01"), ("2024-03-01", "2024-04-01")],
        ),
    ],
)
def test_backfill_fetches_only_uncovered_ranges(
    covered: list[tuple[str, str]], expected: list[tuple[str, str]]
) -> None:
    def w(pair: tuple[str, str]) -> TimeWindow:
        return window(pair[0] + "T00:00+00:00", pair[1] + "T00:00+00:00")

    requested = w(("2024-01-01", "2024-04-01"))
    assert uncovered(requested, [w(c) for c in covered]) == [w(e) for e in expected]
