"""Fire outcomes from the correlated final events (pure mapping)."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from gridstream.contracts import (
    BackfillCompleted,
    CollectionCompleted,
    CollectionFailed,
    DataReady,
    GapScanCompleted,
    ReportPublished,
    TimeWindow,
)
from gridstream.scheduler.outcomes import FireView, Outcome, outcome_of

PUBLISHED = datetime(2025, 1, 1, 12, tzinfo=UTC)
DONE = datetime(2025, 1, 1, 12, 0, 7, tzinfo=UTC)
WINDOW = TimeWindow(
    start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2025, 1, 1, 12, tzinfo=UTC)
)
FAMILY: dict[str, Any] = {"area": "FR", "data_type": "actual_load", "occurred_at": DONE}


def fire(**fields: Any) -> FireView:
    row = {"schedule": "collect-fr", "fire_time": PUBLISHED, "status": "published"}
    row |= {"command_id": uuid4(), "published_at": PUBLISHED, "manual": False}  # extra columns
    return FireView.model_validate(row | fields)


def completed(**fields: Any) -> CollectionCompleted:
    values = {"window": WINDOW, "requests": 1, "points_written": 40, "points_changed": 2}
    values |= {"no_data": False, "api_seconds": 1.0, "processing_seconds": 0.1}
    return CollectionCompleted(**FAMILY, **values | fields)


def backfilled(jobs_total: int, points: int = 10) -> BackfillCompleted:
    values = {"job_id": uuid4(), "window": WINDOW, "chunks": 1, "points_changed": 0}
    return BackfillCompleted(**FAMILY, **values, points_written=points, jobs_total=jobs_total)


def test_collection_completed_succeeds_with_points_and_duration() -> None:
    outcome = outcome_of(completed(), fire())
    assert outcome == Outcome(status="succeeded", finished_at=DONE, points=42)
    values = outcome.values(PUBLISHED)
    assert values["duration_seconds"] == 7.0
    assert values["finished_at"] == DONE
    assert (values["status"], values["points"], values["error"]) == ("succeeded", 42, None)


def test_final_collection_failure_fails_and_a_retried_one_is_not_final() -> None:
    failed: dict[str, Any] = {"error_kind": "auth", "message": "token rejected", "attempt": 3}
    outcome = outcome_of(CollectionFailed(**FAMILY, **failed, will_retry=False), fire())
    assert outcome is not None
    assert outcome.status == "failed"
    assert outcome.error == "auth: token rejected"
    assert outcome_of(CollectionFailed(**FAMILY, **failed, will_retry=True), fire()) is None


def test_backfill_is_final_once_all_jobs_completed() -> None:
    first = outcome_of(backfilled(jobs_total=2), fire(command_type="BackfillRequested"))
    assert first is not None
    assert not first.final
    assert (first.status, first.jobs_total, first.jobs_done, first.points) == (
        "published",
        2,
        1,
        10,
    )
    assert "finished_at" not in first.values(PUBLISHED)
    second = outcome_of(backfilled(jobs_total=2), fire(jobs_total=2, jobs_done=1, points=10))
    assert second is not None
    assert second.final
    assert (second.status, second.jobs_done, second.points) == ("succeeded", 2, 20)
    nothing_to_do = outcome_of(backfilled(jobs_total=0, points=0), fire())
    assert nothing_to_do is not None
    assert nothing_to_do.status == "succeeded"


def test_collection_that_handed_work_to_backfills_waits_for_them() -> None:
    handed = outcome_of(completed(backfill_jobs=1), fire())
    assert handed is not None
    assert (handed.status, handed.jobs_total, handed.points) == (
        "published",
        1,
        42,
    )
    done = outcome_of(backfilled(jobs_total=1), fire(jobs_total=1, points=42))
    assert done is not None
    assert (done.status, done.points) == ("succeeded", 52)


def test_gap_scan_and_report_events_succeed() -> None:
    scan = GapScanCompleted(series_scanned=12, gaps_found=3, occurred_at=DONE)
    assert outcome_of(scan, fire()) == Outcome(status="succeeded", finished_at=DONE)
    report = ReportPublished(
        kind="quality", period="daily", window=WINDOW, location="http://q/r/1", occurred_at=DONE
    )
    assert outcome_of(report, fire()) == Outcome(status="succeeded", finished_at=DONE)


def test_other_events_and_finished_fires_are_left_alone() -> None:
    ready = DataReady(
        series={"area": "FR", "data_type": "actual_load"},
        unit="MW",
        resolution="PT15M",
        window=WINDOW,
        points=[],
        revision=False,
    )
    assert outcome_of(ready, fire()) is None
    assert outcome_of(completed(), fire(status="succeeded")) is None
    assert outcome_of(completed(), fire(status="lost")) is None
