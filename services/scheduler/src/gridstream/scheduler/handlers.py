"""Thin subscribers on the final events: the fire they correlate to gets its outcome.

Each is a durable consumer shared by the replicas and inbox-protected: an event delivered twice
(or republished later) changes the history once. Events of chains the scheduler did not start
(their correlation id names no fire) are acknowledged and ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.contracts import (
    EVT_PREFIX,
    BackfillCompleted,
    CollectionCompleted,
    CollectionFailed,
    GapScanCompleted,
    Message,
    ReportPublished,
)
from gridstream.runtime import durable_subscriber, mark_processed
from gridstream.scheduler import history
from gridstream.scheduler.outcomes import FireView, outcome_of

logger = logging.getLogger(__name__)

FINAL_SUBJECTS = {
    "collection-completed": f"{EVT_PREFIX}.collection.completed.*.*",
    "collection-failed": f"{EVT_PREFIX}.collection.failed.*.*",
    "backfill-completed": f"{EVT_PREFIX}.backfill.completed.*.*",
    "gapscan-completed": f"{EVT_PREFIX}.gapscan.completed",
    "report-published": f"{EVT_PREFIX}.report.published.*",
}


@dataclass(frozen=True, slots=True)
class OutcomeDeps:
    """What the outcome subscribers need."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]
    service: str
    finished: Callable[[], None]
    """Wakes the firing loop: a skipped or buffered schedule may fire again."""


async def record_outcome(deps: OutcomeDeps, consumer: str, event: Message) -> bool:
    """Apply one final event to its fire; True when a fire finished with it."""
    async with deps.sessions() as session, session.begin():
        if not await mark_processed(session, consumer, event.event_id):
            return False
        row = await history.fire_of_command(session, event.correlation_id)
        if row is None or row.status != "published":
            return False
        outcome = outcome_of(event, FireView.model_validate(dict(row._mapping)))
        if outcome is None:
            return False
        await history.finish(session, row, outcome.values(row.published_at))
    if not outcome.final:
        return False
    logger.info("fire %s@%s: %s", row.schedule, row.fire_time, outcome.status)
    deps.finished()
    return True


def register_handlers(broker: NatsBroker, deps: OutcomeDeps) -> None:
    """Declare one durable, inbox-protected subscriber per final event."""
    models: dict[str, type[Message]] = {
        "collection-completed": CollectionCompleted,
        "collection-failed": CollectionFailed,
        "backfill-completed": BackfillCompleted,
        "gapscan-completed": GapScanCompleted,
        "report-published": ReportPublished,
    }
    for title, model in models.items():
        _subscribe(broker, deps, title, model)


def _subscribe(broker: NatsBroker, deps: OutcomeDeps, title: str, model: type[Message]) -> None:
    subject = FINAL_SUBJECTS[title]
    consumer = f"{deps.service}-{title}"

    # The raw message, decoded here: one closure serves every model (an annotation could not).
    async def on_event(msg: NatsMessage) -> None:
        await record_outcome(deps, consumer, model.model_validate_json(msg.body))

    durable_subscriber(broker, subject, service=deps.service, title=title)(on_event)
