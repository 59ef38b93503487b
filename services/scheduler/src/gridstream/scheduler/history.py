"""Repository of the fire history: record fires, find the open one, outcomes, lost, retention.

``untracked`` names the command types whose outcome event nobody publishes yet: their published
fires stay ``published`` but count as finished (they do not hold back their schedule's next fire
and are never marked lost).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Interval,
    and_,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.contracts import Message
from gridstream.scheduler.batch import command_values
from gridstream.scheduler.store import fire_json
from gridstream.scheduler.tables import fires


async def record_fire(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert one fire (a ``batch.fire_row``); False when it was recorded before."""
    statement = (
        pg_insert(fires).values(**values).on_conflict_do_nothing().returning(fires.c.schedule)
    )
    return (await session.execute(statement)).first() is not None


def waiting(table: FromClause, untracked: Collection[str]) -> ColumnElement[bool]:
    """A published fire of ``table`` that still waits for its outcome (its type is tracked)."""
    kind = table.c.command_type
    return and_(table.c.status == "published", or_(kind.is_(None), kind.not_in(list(untracked))))


async def publish_buffered(
    session: AsyncSession, schedule: str, fire_time: datetime, command: Message, now: datetime
) -> bool:
    """Turn a buffered fire into a published one; False when another did it first."""
    statement = (
        update(fires)
        .where(
            fires.c.schedule == schedule,
            fires.c.fire_time == fire_time,
            fires.c.status == "buffered",
        )
        .values(status="published", published_at=now, **command_values(command))
        .returning(fires.c.schedule)
    )
    return (await session.execute(statement)).first() is not None


async def fire_of_command(session: AsyncSession, command_id: UUID) -> Row[Any] | None:
    """The fire that published command ``command_id``, locked until the transaction ends."""
    statement = select(fires).where(fires.c.command_id == command_id).with_for_update()
    return (await session.execute(statement)).first()


async def finish(session: AsyncSession, row: Row[Any], values: dict[str, Any]) -> None:
    """Write an outcome (or progress) onto one fire."""
    await session.execute(
        update(fires)
        .where(fires.c.schedule == row.schedule, fires.c.fire_time == row.fire_time)
        .values(**values)
    )


async def mark_lost(
    session: AsyncSession,
    published_before: datetime,
    now: datetime,
    untracked: Collection[str] = (),
) -> int:
    """Record fires published before ``published_before`` that still have no outcome as lost."""
    statement = (
        update(fires)
        .where(waiting(fires, untracked), fires.c.published_at < published_before)
        .values(status="lost", finished_at=now, error="no outcome within the outcome timeout")
    )
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def purge(session: AsyncSession, retention: timedelta) -> int:
    """Delete fires stored longer than ``retention`` ago by the database clock (created_at).

    Buffered fires wait for their turn and are kept. A published fire of a tracked type is lost
    after the outcome timeout, which the settings keep shorter than the retention.
    """
    cutoff = func.now() - literal(retention, Interval())
    statement = delete(fires).where(fires.c.created_at < cutoff, fires.c.status != "buffered")
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def fires_of(session: AsyncSession, schedule: str, limit: int) -> list[dict[str, Any]]:
    """The latest ``limit`` fires of a schedule with their outcomes, newest first."""
    statement = (
        select(fires)
        .where(fires.c.schedule == schedule)
        .order_by(fires.c.fire_time.desc())
        .limit(limit)
    )
    return [fire_json(row) for row in await session.execute(statement)]


async def fail(
    session: AsyncSession, schedule: str, fire_time: datetime, now: datetime, error: str
) -> None:
    """Record a fire that could not publish its command."""
    await session.execute(
        update(fires)
        .where(fires.c.schedule == schedule, fires.c.fire_time == fire_time)
        .values(status="failed", finished_at=now, error=error[:1000])
    )


async def fires_at(
    session: AsyncSession, schedule: str, fire_time: datetime
) -> list[dict[str, Any]]:
    """The fire of a schedule at one time (a list of zero or one)."""
    statement = select(fires).where(fires.c.schedule == schedule, fires.c.fire_time == fire_time)
    return [fire_json(row) for row in await session.execute(statement)]
