"""Collection domain: plan the window, fetch, write, and put the resulting events in the outbox."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.collector.backfill_accept import accept_in
from gridstream.collector.entsoe.answers import FetchResult
from gridstream.collector.entsoe.errors import EntsoeError, EntsoeParseError, error_kind_of
from gridstream.collector.outgoing import SOURCE, data_ready_events, derived_id
from gridstream.collector.planning import LatestPlan, PlanningPolicy, plan_latest, split_long
from gridstream.collector.store import family_last_point
from gridstream.collector.writing import WriteSummary, write_documents
from gridstream.contracts import (
    BackfillRequested,
    CollectionCompleted,
    CollectionFailed,
    CollectionRequested,
    DataType,
    TimeWindow,
)
from gridstream.runtime.handling import describe
from gridstream.runtime.inbox import already_processed, mark_processed
from gridstream.runtime.outbox import add_to_outbox

COLLECT_CONSUMER = "collector.collect"
"""This handler's name in the inbox (the collector schema's table of processed event ids)."""


class Fetcher(Protocol):
    """What collection needs of the ENTSO-E client."""

    async def fetch_range(
        self,
        data_type: DataType | str,
        area: str,
        start: datetime,
        end: datetime,
        *,
        psr_type: str | None = None,
        to_area: str | None = None,
    ) -> list[FetchResult]:
        """Fetch [start, end) in allowed windows and pages."""
        ...


@dataclass(frozen=True, slots=True)
class CollectDeps:
    """Everything collection needs, injected by the composition root."""

    sessions: async_sessionmaker[AsyncSession]
    fetcher: Fetcher
    clock: Callable[[], datetime]
    policy: PlanningPolicy


async def plan_window(deps: CollectDeps, command: CollectionRequested) -> LatestPlan:
    """The command's window, or the planned "latest" window for its family (maybe split)."""
    if command.window is not None:
        return LatestPlan(collect=command.window)
    async with deps.sessions() as session:
        last = await family_last_point(session, command.area, command.data_type)
    planned = plan_latest(command.area, command.data_type, last, deps.clock(), deps.policy)
    return split_long(command.data_type, planned)


async def collect(deps: CollectDeps, command: CollectionRequested) -> CollectionCompleted | None:
    """Fetch and store one collection; events are committed with the data (outbox).

    None when the command was processed before (its id is in the inbox): nothing is fetched.
    """
    async with deps.sessions() as session:
        if await already_processed(session, COLLECT_CONSUMER, command.event_id):
            return None
    plan = await plan_window(deps, command)
    window = plan.collect
    results = await deps.fetcher.fetch_range(
        command.data_type, command.area, window.start, window.end, to_area=command.to_area
    )
    started = time.perf_counter()
    async with deps.sessions.begin() as session:
        if not await mark_processed(session, COLLECT_CONSUMER, command.event_id):
            return None  # a concurrent delivery of the command committed first
        jobs = (
            await accept_in(session, backfill_of(command, plan.backfill)) if plan.backfill else []
        )
        summary = await write_documents(session, [r.document for r in results])
        for change in summary.changes:
            for event in data_ready_events(change, command.caused()):
                await add_to_outbox(session, event)
        completed = completed_event(
            command, window, results, summary, started, backfill_jobs=len(jobs)
        )
        await add_to_outbox(session, completed)
    return completed


def backfill_of(command: CollectionRequested, older: TimeWindow) -> BackfillRequested:
    """The backfill a latest collection hands its older part to, under its correlation id."""
    return BackfillRequested(
        event_id=derived_id(command.event_id, "backfill"),
        source=SOURCE,
        **command.caused(),
        area=command.area,
        data_type=command.data_type,
        to_area=command.to_area,
        window=older,
    )


def completed_event(
    command: CollectionRequested,
    window: TimeWindow,
    results: Sequence[FetchResult],
    summary: WriteSummary,
    started: float,
    *,
    backfill_jobs: int = 0,
) -> CollectionCompleted:
    """The CollectionCompleted of a command; its id is derived so a redelivery repeats it."""
    return CollectionCompleted(
        event_id=derived_id(command.event_id, "completed"),
        source=SOURCE,
        **command.caused(),
        area=command.area,
        data_type=command.data_type,
        window=window,
        requests=sum(r.attempts for r in results),
        points_written=summary.points_written,
        points_changed=summary.points_changed,
        no_data=all(r.no_data for r in results),
        api_seconds=sum(r.elapsed for r in results),
        processing_seconds=time.perf_counter() - started,
        backfill_jobs=backfill_jobs,
    )


async def record_failure(
    deps: CollectDeps,
    command: CollectionRequested,
    error: EntsoeError | Exception,
    attempt: int,
    will_retry: bool,
) -> CollectionFailed:
    """Commit a CollectionFailed for this attempt (id derived from command and attempt).

    A refusal no retry can change (auth, bad request) also records the command as processed, so a
    republished copy is skipped. A command that only ran out of deliveries is not recorded: it is
    dead-lettered, and replaying the dead letter once the cause is fixed must work.
    """
    failed = CollectionFailed(
        event_id=derived_id(command.event_id, "failed", attempt),
        source=SOURCE,
        **command.caused(),
        area=command.area,
        data_type=command.data_type,
        window=command.window,
        error_kind=error_kind_of(error),
        message=failure_message(error),
        attempt=attempt,
        will_retry=will_retry,
    )
    async with deps.sessions.begin() as session:
        refused = not is_retryable(error)
        if not refused or await mark_processed(session, COLLECT_CONSUMER, command.event_id):
            await add_to_outbox(session, failed)
    return failed


def failure_message(error: BaseException) -> str:
    """The message a failure event carries: free of secrets and kept to a line."""
    # Client errors are already free of the token; anything else is redacted.
    return error.message[:2000] if isinstance(error, EntsoeError) else describe(error)


def is_retryable(error: BaseException) -> bool:
    """Whether trying the same work later may succeed (unexpected errors: yes, within limits)."""
    if not isinstance(error, EntsoeError):
        return True
    # A truncated or garbled body is nearly always a transport hiccup: try again later.
    return error.retryable or isinstance(error, EntsoeParseError)
