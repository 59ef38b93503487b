"""Backfill domain: accept a request as non-overlapping jobs, then fetch and commit chunk by chunk."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.collector.backfill_store import (
    BackfillJob,
    advance_job,
    claim_job,
    covered_windows,
    insert_job,
    jobs_of_command,
    lock_family,
    release_job,
    uncovered,
)
from gridstream.collector.collect import Fetcher
from gridstream.collector.entsoe.answers import FetchResult
from gridstream.collector.entsoe.errors import EntsoeError, error_kind_of
from gridstream.collector.entsoe.windows import next_boundary, split_for
from gridstream.collector.outgoing import SOURCE, data_ready_events, derived_id
from gridstream.collector.writing import write_documents
from gridstream.contracts import (
    BackfillCompleted,
    BackfillProgress,
    BackfillRequested,
    CollectionFailed,
    TimeWindow,
    spec_of,
)
from gridstream.runtime.outbox import add_to_outbox


@dataclass(frozen=True, slots=True)
class BackfillDeps:
    """What backfilling needs, injected by the composition root."""

    sessions: async_sessionmaker[AsyncSession]
    fetcher: Fetcher
    clock: Callable[[], datetime]
    owner: str
    lease_seconds: float = 120.0
    retry_base: float = 5.0
    retry_cap: float = 600.0
    max_failures: int = 8


async def accept_backfill(deps: BackfillDeps, command: BackfillRequested) -> list[BackfillJob]:
    """Create jobs for the parts of the range no running or finished job covers (idempotent)."""
    async with deps.sessions.begin() as session:
        existing = await jobs_of_command(session, command.event_id)
        if existing:
            return existing
        family = (command.area, str(command.data_type), command.to_area)
        await lock_family(session, *family)
        parts = uncovered(command.window, await covered_windows(session, *family))
        jobs = [_new_job(command, part, len(parts)) for part in parts]
        for job in jobs:
            await insert_job(session, job)
        if not jobs:
            await add_to_outbox(session, _already_covered(command))
    return jobs


def _new_job(command: BackfillRequested, part: TimeWindow, jobs_total: int) -> BackfillJob:
    return BackfillJob(
        id=derived_id(command.event_id, "job", part.start.isoformat()),
        command_id=command.event_id,
        correlation_id=command.correlation_id,
        area=command.area,
        data_type=command.data_type,
        to_area=command.to_area,
        window=part,
        cursor=part.start,
        status="running",
        jobs_total=jobs_total,
        chunks_total=len(split_for(command.data_type, part.start, part.end)),
        chunks_done=0,
        requests=0,
        points_written=0,
        points_changed=0,
        failures=0,
    )


def _already_covered(command: BackfillRequested) -> BackfillCompleted:
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


async def run_next_job(deps: BackfillDeps) -> bool:
    """Claim one job with a free lease and work it to its end; False when there was none."""
    async with deps.sessions.begin() as session:
        job = await claim_job(session, deps.owner, deps.lease_seconds)
    if job is None:
        return False
    await work_job(deps, job)
    return True


async def work_job(deps: BackfillDeps, job: BackfillJob) -> None:
    """Fetch and commit the job's chunks from its cursor on; stop on an error or a lost lease."""
    months = spec_of(job.data_type).max_window_months
    current: BackfillJob | None = job
    while current is not None and current.cursor < current.window.end:
        chunk_end = min(next_boundary(current.cursor, months), current.window.end)
        try:
            results = await deps.fetcher.fetch_range(
                current.data_type, current.area, current.cursor, chunk_end, to_area=current.to_area
            )
        except EntsoeError as exc:
            await _fail_chunk(deps, current, TimeWindow(start=current.cursor, end=chunk_end), exc)
            return
        current = await _commit_chunk(deps, current, chunk_end, results)


async def _commit_chunk(
    deps: BackfillDeps, job: BackfillJob, chunk_end: datetime, results: list[FetchResult]
) -> BackfillJob | None:
    """Write one chunk, advance the cursor and queue the events, all in one transaction."""
    caused = {"correlation_id": job.correlation_id, "causation_id": job.command_id}
    async with deps.sessions.begin() as session:
        summary = await write_documents(session, [r.document for r in results], deps.clock())
        advanced = replace(
            job,
            cursor=chunk_end,
            chunks_done=job.chunks_done + 1,
            requests=job.requests + sum(r.attempts for r in results),
            points_written=job.points_written + summary.points_written,
            points_changed=job.points_changed + summary.points_changed,
        )
        done = chunk_end >= job.window.end
        if not await advance_job(session, advanced, deps.owner, deps.lease_seconds, done):
            await session.rollback()
            return None
        for change in summary.changes:
            for event in data_ready_events(change, caused):
                await add_to_outbox(session, event)
        await add_to_outbox(session, _progress(advanced, caused))
        if done:
            await add_to_outbox(session, _completed(advanced, caused))
    return advanced


def _progress(job: BackfillJob, caused: dict[str, UUID]) -> BackfillProgress:
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


def _completed(job: BackfillJob, caused: dict[str, UUID]) -> BackfillCompleted:
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


async def _fail_chunk(
    deps: BackfillDeps, job: BackfillJob, chunk: TimeWindow, error: EntsoeError
) -> None:
    """Record the failure; retry later with a growing delay, or give up on permanent errors."""
    final = not error.retryable or job.failures + 1 >= deps.max_failures
    retry_in = min(deps.retry_cap, deps.retry_base * 2**job.failures)
    failed = CollectionFailed(
        event_id=derived_id(job.id, "failed", job.chunks_done, job.failures),
        source=SOURCE,
        correlation_id=job.correlation_id,
        causation_id=job.command_id,
        area=job.area,
        data_type=job.data_type,
        window=chunk,
        error_kind=error_kind_of(error),
        message=error.message[:2000],
        attempt=job.failures + 1,
        will_retry=not final,
    )
    async with deps.sessions.begin() as session:
        await release_job(
            session, job.id, deps.owner, error=error.message, retry_in=retry_in, failed=final
        )
        await add_to_outbox(session, failed)
