"""A fire's outcome from the final event of its chain (the event's correlation_id is the fire id).

- ``CollectionCompleted``: succeeded, points = written + changed. When the collection handed the
  older part of its window to backfill jobs (``backfill_jobs`` > 0) the fire stays open until
  those jobs complete.
- ``CollectionFailed`` with ``will_retry=false``: failed, with the error (a retried failure is
  not final).
- ``BackfillCompleted``: one job done; final (succeeded) once ``jobs_total`` jobs completed.
- ``GapScanCompleted`` and ``ReportPublished``: succeeded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from gridstream.contracts import (
    BackfillCompleted,
    CollectionCompleted,
    CollectionFailed,
    GapScanCompleted,
    Message,
    ReportPublished,
)

Status = Literal["published", "succeeded", "failed"]


class FireView(BaseModel):
    """What outcome_of needs of a fire row (other columns are ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    schedule: str
    fire_time: datetime
    status: str = "published"
    command_id: UUID | None = None
    points: int | None = None
    jobs_total: int | None = None
    jobs_done: int = 0


class Outcome(BaseModel):
    """A fire's new state: final (succeeded/failed) or progress (still published)."""

    model_config = ConfigDict(frozen=True)

    status: Status
    finished_at: datetime
    points: int | None = None
    error: str | None = None
    jobs_total: int | None = None
    jobs_done: int = 0

    @property
    def final(self) -> bool:
        """True when the fire is finished."""
        return self.status != "published"

    def values(self, published_at: datetime | None) -> dict[str, Any]:
        """Column values for the fire row (duration from ``published_at`` when final)."""
        values: dict[str, Any] = {
            "status": self.status,
            "points": self.points,
            "error": self.error,
            "jobs_total": self.jobs_total,
            "jobs_done": self.jobs_done,
        }
        if self.final:
            values["finished_at"] = self.finished_at
            elapsed = None if published_at is None else self.finished_at - published_at
            values["duration_seconds"] = (
                None if elapsed is None else max(elapsed.total_seconds(), 0)
            )
        return values


def outcome_of(event: Message, fire: FireView) -> Outcome | None:
    """The fire's new state after ``event``, or None when the event does not change it."""
    if fire.status != "published":
        return None
    at = event.occurred_at
    if isinstance(event, CollectionCompleted):
        points = (fire.points or 0) + event.points_written + event.points_changed
        if event.backfill_jobs > fire.jobs_done:
            return Outcome(
                status="published",
                finished_at=at,
                points=points,
                jobs_total=event.backfill_jobs,
                jobs_done=fire.jobs_done,
            )
        return Outcome(status="succeeded", finished_at=at, points=points, jobs_done=fire.jobs_done)
    if isinstance(event, CollectionFailed):
        if event.will_retry:
            return None
        error = f"{event.error_kind}: {event.message}"
        return Outcome(status="failed", finished_at=at, points=fire.points, error=error)
    if isinstance(event, BackfillCompleted):
        return _backfill(event, fire)
    if isinstance(event, GapScanCompleted | ReportPublished):
        return Outcome(status="succeeded", finished_at=at)
    return None


def _backfill(event: BackfillCompleted, fire: FireView) -> Outcome:
    total = fire.jobs_total if fire.jobs_total is not None else event.jobs_total
    done = fire.jobs_done + 1 if total else 0
    points = (fire.points or 0) + event.points_written + event.points_changed
    status: Status = "succeeded" if done >= total else "published"
    return Outcome(
        status=status,
        finished_at=event.occurred_at,
        points=points,
        jobs_total=total,
        jobs_done=done,
    )
