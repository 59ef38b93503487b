"""One fire, recorded and queued: the fire row, its command and ScheduleFired in the caller's
transaction, so the outbox publishes them if (and only if) the fire row committed."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.runtime import add_all_to_outbox
from gridstream.scheduler import history
from gridstream.scheduler.batch import fire_row
from gridstream.scheduler.commands import build_command, fired_event
from gridstream.scheduler.spec import ScheduleSpec

logger = logging.getLogger(__name__)


async def publish_fire(
    session: AsyncSession,
    spec: ScheduleSpec,
    fire_time: datetime,
    now: datetime,
    *,
    manual: bool = False,
) -> bool:
    """Record the fire of ``spec`` at ``fire_time`` and queue its command; False if fired before.

    A command the template cannot produce at this fire time is recorded as a failed fire.
    """
    try:
        command = build_command(spec, fire_time, now)
    except (ValueError, KeyError) as exc:
        logger.warning("schedule %s cannot build its command: %s", spec.name, exc)
        error = f"invalid command: {exc}"
        await history.record_fire(
            session, fire_row(spec.name, fire_time, "failed", now, error=error)
        )
        return False
    row = fire_row(spec.name, fire_time, "published", now, command=command, manual=manual)
    fresh = await history.record_fire(session, row)
    if fresh:
        await add_all_to_outbox(session, [command, fired_event(spec, fire_time, command, now)])
    return fresh
