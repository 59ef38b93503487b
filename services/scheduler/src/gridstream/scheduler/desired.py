"""Configuration as desired state: the configured and default schedules, applied on every start."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.scheduler import store
from gridstream.scheduler.defaults import default_schedules
from gridstream.scheduler.settings import SchedulerSettings
from gridstream.scheduler.spec import ScheduleSpec

logger = logging.getLogger(__name__)


def desired_defaults(settings: SchedulerSettings) -> list[ScheduleSpec]:
    """The default schedules (none when disabled), minus names the configuration defines itself."""
    if not settings.default_schedules_enabled:
        return []
    configured = {spec.name for spec in settings.schedules}
    found = default_schedules(settings.common, settings.defaults)
    return [spec for spec in found if spec.name not in configured]


async def apply_desired_state(
    sessions: async_sessionmaker[AsyncSession], settings: SchedulerSettings, now: datetime
) -> None:
    """Store every configured and default schedule; drop defaults no longer wanted.

    A new schedule is due at once (a fresh installation collects within a minute); a changed one
    continues at its next fire time after ``now``; an unchanged one keeps its place.
    """
    defaults = desired_defaults(settings)
    async with sessions() as session, session.begin():
        for spec in settings.schedules:
            await store.apply(session, spec, "config", now, spec.next_fire(now))
        for spec in defaults:
            await store.apply(session, spec, "default", now, spec.next_fire(now))
        dropped = await store.prune(session, "default", {spec.name for spec in defaults})
    logger.info(
        "applied %d configured and %d default schedule(s)%s",
        len(settings.schedules),
        len(defaults),
        f"; removed defaults {', '.join(dropped)}" if dropped else "",
    )
