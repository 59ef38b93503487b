"""Repository of backfill jobs: creation without overlap, leases, cursor advance, completion."""

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.contracts import DataType, TimeWindow

_COLUMNS = (
    "id, command_id, correlation_id, area, data_type, to_area, window_start, window_end, "
    "cursor, status, jobs_total, chunks_total, chunks_done, requests, points_written, "
    "points_changed, failures"
)


@dataclass(frozen=True, slots=True)
class BackfillJob:
    """One backfill job row."""

    id: UUID
    command_id: UUID
    correlation_id: UUID
    area: str
    data_type: DataType
    to_area: str | None
    window: TimeWindow
    cursor: datetime
    status: str
    jobs_total: int
    chunks_total: int
    chunks_done: int
    requests: int
    points_written: int
    points_changed: int
    failures: int


def uncovered(requested: TimeWindow, covered: Sequence[TimeWindow]) -> list[TimeWindow]:
    """The parts of `requested` that no window in `covered` contains (pure)."""
    parts: list[TimeWindow] = []
    cursor = requested.start
    for window in sorted(covered, key=lambda w: w.start):
        if window.end <= cursor or window.start >= requested.end:
            continue
        if window.start > cursor:
            parts.append(TimeWindow(start=cursor, end=window.start))
        cursor = max(cursor, window.end)
        if cursor >= requested.end:
            return parts
    if cursor < requested.end:
        parts.append(TimeWindow(start=cursor, end=requested.end))
    return parts


async def lock_family(
    session: AsyncSession, area: str, data_type: str, to_area: str | None
) -> None:
    """Serialise job creation for one family so two requests cannot both claim a range."""
    key = zlib.crc32(f"backfill:{area}:{data_type}:{to_area or ''}".encode())
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


async def covered_windows(
    session: AsyncSession, area: str, data_type: str, to_area: str | None
) -> list[TimeWindow]:
    """Ranges of running or finished jobs of a family (failed jobs do not count)."""
    result = await session.execute(
        text(
            "SELECT window_start, window_end FROM backfill_jobs WHERE area = :area "
            "AND data_type = :data_type AND to_area IS NOT DISTINCT FROM :to_area "
            "AND status IN ('running', 'done')"
        ),
        {"area": area, "data_type": data_type, "to_area": to_area},
    )
    return [TimeWindow(start=s, end=e) for s, e in result.all()]


async def insert_job(session: AsyncSession, job: BackfillJob) -> bool:
    """Insert a job; False when this command already created it (redelivery)."""
    result = await session.execute(
        text(
            "INSERT INTO backfill_jobs (id, command_id, correlation_id, area, data_type, to_area, "
            "window_start, window_end, cursor, status, jobs_total, chunks_total) VALUES (:id, "
            ":command_id, :correlation_id, :area, :data_type, :to_area, :start, :end, :start, "
            "'running', :jobs_total, :chunks_total) "
            "ON CONFLICT (command_id, window_start) DO NOTHING RETURNING id"
        ),
        {
            "id": job.id,
            "command_id": job.command_id,
            "correlation_id": job.correlation_id,
            "area": job.area,
            "data_type": str(job.data_type),
            "to_area": job.to_area,
            "start": job.window.start,
            "end": job.window.end,
            "jobs_total": job.jobs_total,
            "chunks_total": job.chunks_total,
        },
    )
    return result.first() is not None


async def jobs_of_command(session: AsyncSession, command_id: UUID) -> list[BackfillJob]:
    """Jobs a command created."""
    result = await session.execute(
        text(f"SELECT {_COLUMNS} FROM backfill_jobs WHERE command_id = :c ORDER BY window_start"),
        {"c": command_id},
    )
    return [_job(row) for row in result.mappings().all()]


async def claim_job(session: AsyncSession, owner: str, lease_seconds: float) -> BackfillJob | None:
    """Take the oldest running job whose lease is free or expired."""
    result = await session.execute(
        text(
            f"""
            UPDATE backfill_jobs SET locked_by = :owner,
                lease_until = clock_timestamp() + make_interval(secs => :lease)
            WHERE id = (
                SELECT id FROM backfill_jobs
                WHERE status = 'running'
                  AND (lease_until IS NULL OR lease_until < clock_timestamp())
                ORDER BY created_at, window_start LIMIT 1 FOR UPDATE SKIP LOCKED
            )
            RETURNING {_COLUMNS}
            """
        ),
        {"owner": owner, "lease": lease_seconds},
    )
    row = result.mappings().first()
    return _job(row) if row is not None else None


async def renew_lease(
    session: AsyncSession, job_id: UUID, owner: str, lease_seconds: float
) -> bool:
    """Extend this owner's lease by `lease_seconds` from now (database clock); False if lost."""
    result = await session.execute(
        text(
            "UPDATE backfill_jobs SET lease_until = clock_timestamp() + make_interval(secs => :lease) "
            "WHERE id = :id AND locked_by = :owner AND status = 'running' RETURNING id"
        ),
        {"lease": lease_seconds, "id": job_id, "owner": owner},
    )
    return result.first() is not None


async def advance_job(
    session: AsyncSession,
    job: BackfillJob,
    owner: str,
    lease_seconds: float,
    done: bool,
) -> bool:
    """Store a job's new cursor and totals if this owner still holds its lease."""
    result = await session.execute(
        text(
            "UPDATE backfill_jobs SET cursor = :cursor, chunks_done = :chunks_done, "
            "requests = :requests, points_written = :written, points_changed = :changed, "
            "failures = 0, last_error = NULL, status = :status, updated_at = clock_timestamp(), "
            "lease_until = clock_timestamp() + make_interval(secs => :lease) "
            "WHERE id = :id AND locked_by = :owner AND status = 'running' RETURNING id"
        ),
        {
            "cursor": job.cursor,
            "chunks_done": job.chunks_done,
            "requests": job.requests,
            "written": job.points_written,
            "changed": job.points_changed,
            "status": "done" if done else "running",
            "lease": lease_seconds,
            "id": job.id,
            "owner": owner,
        },
    )
    return result.first() is not None


async def release_job(
    session: AsyncSession, job_id: UUID, owner: str, *, error: str, retry_in: float, failed: bool
) -> bool:
    """Give a job back after an error: retry after `retry_in` seconds, or mark it failed.

    False when this owner no longer holds the job (nothing changed).
    """
    result = await session.execute(
        text(
            "UPDATE backfill_jobs SET failures = failures + 1, last_error = :error, "
            "status = CASE WHEN :failed THEN 'failed' ELSE status END, locked_by = NULL, "
            "lease_until = clock_timestamp() + make_interval(secs => :retry_in), "
            "updated_at = clock_timestamp() WHERE id = :id AND locked_by = :owner RETURNING id"
        ),
        {
            "error": error[:2000],
            "failed": failed,
            "retry_in": retry_in,
            "id": job_id,
            "owner": owner,
        },
    )
    return result.first() is not None


def _job(row: RowMapping) -> BackfillJob:
    return BackfillJob(
        id=row["id"],
        command_id=row["command_id"],
        correlation_id=row["correlation_id"],
        area=row["area"],
        data_type=DataType(row["data_type"]),
        to_area=row["to_area"],
        window=TimeWindow(start=row["window_start"], end=row["window_end"]),
        cursor=row["cursor"],
        status=row["status"],
        jobs_total=row["jobs_total"],
        chunks_total=row["chunks_total"],
        chunks_done=row["chunks_done"],
        requests=row["requests"],
        points_written=row["points_written"],
        points_changed=row["points_changed"],
        failures=row["failures"],
    )
