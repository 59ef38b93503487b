"""Repository of a firing round: the schedules with their open fires, locked; the round's fires,
buffered fires published, commands and ScheduleFired queued; the schedules moved on. Each is one
statement, whatever the number of schedules due."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Text, column, exists, func, select, update, values
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.runtime import add_all_to_outbox
from gridstream.scheduler import history
from gridstream.scheduler.batch import Batch, Current, Publication
from gridstream.scheduler.store import schedule_of
from gridstream.scheduler.tables import TZ, fires, schedules


async def lock_schedules(session: AsyncSession, untracked: Collection[str]) -> list[Current]:
    """Every schedule by name, locked until the transaction ends, with its open fires."""
    mine = fires.c.schedule == schedules.c.name
    waiting = exists().where(mine, history.waiting(fires, untracked))
    buffered = (
        select(fires.c.fire_time)
        .where(mine, fires.c.status == "buffered")
        .order_by(fires.c.fire_time)
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        select(schedules, waiting.label("waiting"), buffered.label("buffered"))
        .order_by(schedules.c.name)
        .with_for_update(of=schedules)
    )
    rows = await session.execute(statement)
    return [Current(schedule_of(row), bool(row.waiting), row.buffered) for row in rows]


async def write(session: AsyncSession, batch: Batch, now: datetime) -> int:
    """Write a planned round; how many commands it queued."""
    fresh = await _insert_fires(session, batch)
    published = [p for key, p in batch.publishing.items() if key in fresh]
    for publication in batch.unbuffered:
        if await _unbuffer(session, publication, now):
            published.append(publication)
    # Commands first: the relay publishes in order, and the commands are what someone waits for.
    messages = [p.command for p in published if p.command is not None]
    messages += [p.fired for p in published if p.fired is not None]
    await add_all_to_outbox(session, messages)
    await _advance(session, batch.advances)
    return len(published)


async def _insert_fires(session: AsyncSession, batch: Batch) -> set[tuple[str, datetime]]:
    """Insert the round's fires; the keys of those not recorded before."""
    if not batch.rows:
        return set()
    statement = (
        pg_insert(fires)
        .values(batch.rows)
        .on_conflict_do_nothing()
        .returning(fires.c.schedule, fires.c.fire_time)
    )
    return {(row.schedule, row.fire_time) for row in await session.execute(statement)}


async def _unbuffer(session: AsyncSession, publication: Publication, now: datetime) -> bool:
    name, fire_time = publication.schedule, publication.fire_time
    if publication.command is None:
        await history.fail(session, name, fire_time, now, publication.error or "invalid command")
        return False
    return await history.publish_buffered(session, name, fire_time, publication.command, now)


async def _advance(
    session: AsyncSession, advances: list[tuple[str, datetime, datetime | None]]
) -> None:
    """Move the planned schedules on: next fire, and last fire when one was due."""
    if not advances:
        return
    moved = values(
        column("name", Text), column("next_fire", TZ), column("last_fire", TZ), name="moved"
    ).data(advances)
    last = moved.c.last_fire
    statement = (
        update(schedules)
        .where(schedules.c.name == moved.c.name)
        .values(
            next_fire=moved.c.next_fire,
            # greatest() ignores NULL: a schedule with nothing due keeps its last fire.
            last_fire=func.greatest(func.coalesce(schedules.c.last_fire, last), last),
        )
    )
    await session.execute(statement)
