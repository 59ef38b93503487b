"""Backfill domain: accept a request as non-overlapping jobs, then fetch and commit chunk by chunk."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.collector.backfill_accept import accept_in
from gridstream.collector.backfill_store import (
    BackfillJob,
    advance_job,
    claim_job,
    release_job,
    renew_lease,
)
from gridstream.collector.collect import Fetcher, failure_message, is_retryable
from gridstream.collector.entsoe.answers import FetchResult
from gridstream.collector.entsoe.errors import EntsoeError
from gridstream.collector.entsoe.windows import next_boundary
from gridstream.collector.lease import LeaseLostError, while_leased
from gridstream.collector.outgoing import (
    backfill_completed,
    backfill_progress,
    chunk_failed,
    data_ready_events,
)
from gridstream.collector.writing import write_documents
from gridstream.contracts import BackfillRequested, TimeWindow, spec_of
from gridstream.runtime.inbox import mark_processed
from gridstream.runtime.outbox import add_to_outbox

logger = logging.getLogger(__name__)

BACKFILL_CONSUMER = "collector.backfill"
"""The backfill handler's name in the inbox (the collector schema's processed event ids)."""


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


async def accept_backfill(
    deps: BackfillDeps, command: BackfillRequested
) -> list[BackfillJob] | None:
    """Create jobs for the parts of the range no running or finished job covers.

    None when the command was accepted before (its id is in the inbox): nothing is announced again.
    """
    async with deps.sessions.begin() as session:
        if not await mark_processed(session, BACKFILL_CONSUMER, command.event_id):
            return None
        return await accept_in(session, command)


async def run_next_job(deps: BackfillDeps) -> bool:
    """Claim one job with a free lease and work it to its end; False when there was none."""
    async with deps.sessions.begin() as session:
        job = await claim_job(session, deps.owner, deps.lease_seconds)
    if job is None:
        return False
    try:
        await while_leased(work_job(deps, job), lambda: _renew(deps, job), deps.lease_seconds)
    except LeaseLostError as lost:
        # Another replica works the job now; its uncommitted chunk here was cancelled.
        logger.warning("backfill job %s: stopped, %s", job.id, lost, extra={"job_id": str(job.id)})
    return True


async def _renew(deps: BackfillDeps, job: BackfillJob) -> bool:
    async with deps.sessions.begin() as session:
        return await renew_lease(session, job.id, deps.owner, deps.lease_seconds)


async def work_job(deps: BackfillDeps, job: BackfillJob) -> None:
    """Fetch and commit the job's chunks from its cursor on; stop on an error or a lost lease."""
    months = spec_of(job.data_type).max_window_months
    current: BackfillJob | None = job
    while current is not None and current.cursor < current.window.end:
        chunk = TimeWindow(
            start=current.cursor,
            end=min(next_boundary(current.cursor, months), current.window.end),
        )
        try:
            results = await deps.fetcher.fetch_range(
                current.data_type, current.area, chunk.start, chunk.end, to_area=current.to_area
            )
            advanced = await _commit_chunk(deps, current, chunk.end, results)
        except Exception as exc:  # a failed chunk of any kind counts; cancellation passes through
            await _fail_chunk(deps, current, chunk, exc)
            return
        current = advanced


async def _commit_chunk(
    deps: BackfillDeps, job: BackfillJob, chunk_end: datetime, results: list[FetchResult]
) -> BackfillJob | None:
    """Write one chunk, advance the cursor and queue the events, all in one transaction."""
    caused = {"correlation_id": job.correlation_id, "causation_id": job.command_id}
    async with deps.sessions.begin() as session:
        summary = await write_documents(session, [r.document for r in results])
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
        await add_to_outbox(session, backfill_progress(advanced, caused))
        if done:
            await add_to_outbox(session, backfill_completed(advanced, caused))
    return advanced


async def _fail_chunk(
    deps: BackfillDeps, job: BackfillJob, chunk: TimeWindow, error: Exception
) -> None:
    """Count and announce a failed chunk; retry later with a growing delay, or give up."""
    if not isinstance(error, EntsoeError):
        logger.warning("backfill job %s: unexpected error", job.id, exc_info=error)
    final = not is_retryable(error) or job.failures + 1 >= deps.max_failures
    retry_in = min(deps.retry_cap, deps.retry_base * 2**job.failures)
    message = failure_message(error)
    try:
        async with deps.sessions.begin() as session:
            released = await release_job(
                session, job.id, deps.owner, error=message, retry_in=retry_in, failed=final
            )
            if released:  # only the lease holder speaks for the job
                await add_to_outbox(session, chunk_failed(job, chunk, error, message, not final))
    except Exception:
        # The database may be what failed: the lease runs out and the chunk is tried again.
        logger.warning("could not record the failure of backfill job %s", job.id, exc_info=True)
