"""Builds the collector's outgoing events from what a write changed (pure functions)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from gridstream.collector.backfill_store import BackfillJob
from gridstream.collector.entsoe.errors import error_kind_of
from gridstream.contracts import (
    MAX_POINTS_PER_DATA_READY,
    BackfillCompleted,
    BackfillProgress,
    BackfillRequested,
    CollectionFailed,
    DataReady,
    Resolution,
    SeriesKey,
    TimeWindow,
)

SOURCE = "collector"


@dataclass(frozen=True, slots=True)
class SeriesChange:
    """Points of one series and resolution that a write inserted or changed."""

    key: SeriesKey
    unit: str
    resolution: Resolution
    points: list[tuple[datetime, float | None]]
    changed: frozenset[datetime]
    """Timestamps whose already stored value was replaced (revisions)."""


def derived_id(cause: UUID, *parts: object) -> UUID:
    """A deterministic event id, so a redelivered command re-creates the same ids (deduplicated)."""
    return uuid5(NAMESPACE_URL, "gridstream:" + ":".join([str(cause), *map(str, parts)]))


def data_ready_events(
    change: SeriesChange, caused: dict[str, UUID], max_points: int = MAX_POINTS_PER_DATA_READY
) -> list[DataReady]:
    """DataReady events for one change, split into parts of at most max_points points.

    `caused` holds the envelope's correlation_id and causation_id (see Message.caused()).
    """
    points = sorted(change.points)
    chunks = [points[i : i + max_points] for i in range(0, len(points), max_points)]
    return [
        DataReady(
            source=SOURCE,
            **caused,
            series=change.key,
            unit=change.unit,
            resolution=change.resolution,
            window=_span(chunk, change.resolution),
            points=chunk,
            revision=any(ts in change.changed for ts, _ in chunk),
            part=number,
            parts=len(chunks),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def _span(points: Sequence[tuple[datetime, float | None]], resolution: Resolution) -> TimeWindow:
    return TimeWindow(start=points[0][0], end=resolution.step(points[-1][0]))


def backfill_progress(job: BackfillJob, caused: dict[str, UUID]) -> BackfillProgress:
    """The BackfillProgress after a job's latest committed chunk."""
    return BackfillProgress(
        event_id=derived_id(job.id, "progress", job.chunks_done),
        source=SOURCE,
        **caused,
        area=job.area,
        data_type=job.data_type,
        job_id=job.id,
        window=job.window,
        cursor=job.cursor,
        chunks_done=job.chunks_done,
        chunks_total=job.chunks_total,
        points_written=job.points_written,
        jobs_total=job.jobs_total,
    )


def backfill_completed(job: BackfillJob, caused: dict[str, UUID]) -> BackfillCompleted:
    """The BackfillCompleted of a job whose last chunk was committed."""
    return BackfillCompleted(
        event_id=derived_id(job.id, "completed"),
        source=SOURCE,
        **caused,
        area=job.area,
        data_type=job.data_type,
        job_id=job.id,
        window=job.window,
        chunks=job.chunks_done,
        points_written=job.points_written,
        points_changed=job.points_changed,
        jobs_total=job.jobs_total,
    )


def already_covered(command: BackfillRequested) -> BackfillCompleted:
    """The BackfillCompleted(jobs_total=0) of a request whose whole range other jobs cover."""
    return BackfillCompleted(
        event_id=derived_id(command.event_id, "completed"),
        source=SOURCE,
        **command.caused(),
        area=command.area,
        data_type=command.data_type,
        job_id=derived_id(command.event_id, "job"),
        window=command.window,
        chunks=0,
        points_written=0,
        points_changed=0,
        jobs_total=0,
    )


def chunk_failed(
    job: BackfillJob, chunk: TimeWindow, error: Exception, message: str, will_retry: bool
) -> CollectionFailed:
    """The CollectionFailed of one failed attempt at a job's chunk."""
    return CollectionFailed(
        event_id=derived_id(job.id, "failed", job.chunks_done, job.failures),
        source=SOURCE,
        correlation_id=job.correlation_id,
        causation_id=job.command_id,
        area=job.area,
        data_type=job.data_type,
        window=chunk,
        error_kind=error_kind_of(error),
        message=message,
        attempt=job.failures + 1,
        will_retry=will_retry,
    )
