"""Accepting a backfill request: the parts of its range no other job covers become its jobs."""

from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.collector.backfill_store import (
    BackfillJob,
    covered_windows,
    insert_job,
    jobs_of_command,
    lock_family,
    uncovered,
)
from gridstream.collector.entsoe.windows import split_for
from gridstream.collector.outgoing import already_covered, derived_id
from gridstream.contracts import BackfillRequested, TimeWindow
from gridstream.runtime.outbox import add_to_outbox


async def accept_in(session: AsyncSession, command: BackfillRequested) -> list[BackfillJob]:
    """Create the command's jobs in the caller's transaction (idempotent per command)."""
    family = (command.area, str(command.data_type), command.to_area)
    # Lock before looking for this command's jobs: a concurrent delivery of the same command then
    # waits and finds them, instead of finding its range covered by them ("0 jobs, done").
    await lock_family(session, *family)
    existing = await jobs_of_command(session, command.event_id)
    if existing:
        return existing
    parts = uncovered(command.window, await covered_windows(session, *family))
    jobs = [_new_job(command, part, len(parts)) for part in parts]
    for job in jobs:
        await insert_job(session, job)
    if not jobs:
        await add_to_outbox(session, already_covered(command))
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
