"""Collection domain: plan the window, fetch, write, and put the resulting events in the outbox."""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.collector.entsoe.answers import FetchResult
from gridstream.collector.entsoe.errors import EntsoeError, error_kind_of
from gridstream.collector.outgoing import SOURCE, data_ready_events, derived_id
from gridstream.collector.planning import PlanningPolicy, plan_latest
from gridstream.collector.store import family_last_point
from gridstream.collector.writing import WriteSummary, write_documents
from gridstream.contracts import (
    CollectionCompleted,
    CollectionFailed,
    CollectionRequested,
    DataType,
    TimeWindow,
)
from gridstream.runtime.handling import describe
from gridstream.runtime.outbox import add_to_outbox


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


async def plan_window(deps: CollectDeps, command: CollectionRequested) -> TimeWindow:
    """The command's window, or the planned "latest" window for its family."""
    if command.window is not None:
        return command.window
    async with deps.sessions() as session:
        last = await family_last_point(session, command.area, command.data_type)
    return plan_latest(command.area, command.data_type, last, deps.clock(), deps.policy)


async def collect(deps: CollectDeps, command: CollectionRequested) -> CollectionCompleted:
    """Fetch and store one collection; events are committed with the data (outbox)."""
    window = await plan_window(deps, command)
    results = await deps.fetcher.fetch_range(
        command.data_type, command.area, window.start, window.end, to_area=command.to_area
    )
    started = time.perf_counter()
    async with deps.sessions.begin() as session:
        summary = await write_documents(session, [r.document for r in results], deps.clock())
        for change in summary.changes:
            for event in data_ready_events(change, command.caused()):
                await add_to_outbox(session, event)
        completed = completed_event(command, window, results, summary, started)
        await add_to_outbox(session, completed)
    return completed


def completed_event(
    command: CollectionRequested,
    window: TimeWindow,
    results: Sequence[FetchResult],
    summary: WriteSummary,
    started: float,
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
    )


async def record_failure(
    deps: CollectDeps,
    command: CollectionRequested,
    error: EntsoeError | Exception,
    attempt: int,
    will_retry: bool,
) -> CollectionFailed:
    """Commit a CollectionFailed for this attempt (id derived from command and attempt)."""
    # Client errors are already free of the token; anything else is redacted and kept to a line.
    message = error.message if isinstance(error, EntsoeError) else describe(error)
    failed = CollectionFailed(
        event_id=derived_id(command.event_id, "failed", attempt),
        source=SOURCE,
        **command.caused(),
        area=command.area,
        data_type=command.data_type,
        window=command.window,
        error_kind=error_kind_of(error),
        message=message,
        attempt=attempt,
        will_retry=will_retry,
    )
    async with deps.sessions.begin() as session:
        await add_to_outbox(session, failed)
    return failed
