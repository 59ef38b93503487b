"""The outbox relay's SQL: its lease (on the database clock), pending rows, and publish outcomes.

Each function runs inside the caller's short transaction; none of them is held across a publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import Row, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.runtime.outbox import outbox_table

# The one-row table of runtime migration 0002. An expired lease (or a released one, whose
# lease_until is 'epoch') may be taken by anyone; a live one only renewed by its owner.
OutboxRow: TypeAlias = Row[*tuple[Any, ...]]
"""A pending row: ``id``, ``event_id``, ``subject``, ``payload``, ``headers``."""

_PENDING = outbox_table.c.published_at.is_(None) & outbox_table.c.set_aside_at.is_(None)


@dataclass(frozen=True)
class Failure:
    """A row that was not published: why, and whether it was the row's fault (not an outage)."""

    row_id: int
    reason: str
    row_fault: bool


@dataclass(frozen=True)
class OutboxStats:
    """What the outbox holds now: pending rows, the oldest one's age (database clock), set aside."""

    pending: int
    oldest_pending_age: float
    set_aside: int


async def pending_rows(session: AsyncSession, limit: int) -> Sequence[OutboxRow]:
    """The oldest ``limit`` rows neither published nor set aside, in id (publication) order."""
    table = outbox_table
    statement = (
        select(table.c.id, table.c.event_id, table.c.subject, table.c.payload, table.c.headers)
        .where(_PENDING)
        .order_by(table.c.id)
        .limit(limit)
    )
    return (await session.execute(statement)).all()


async def record_published(session: AsyncSession, row_ids: list[int]) -> None:
    """Mark rows published now (database clock)."""
    if row_ids:
        table = outbox_table
        await session.execute(
            update(table)
            .where(table.c.id.in_(row_ids))
            .values(published_at=func.now(), attempts=table.c.attempts + 1, last_error=None)
        )


async def record_failure(session: AsyncSession, failure: Failure, max_attempts: int) -> bool:
    """Keep the error; a row fault also uses an attempt, and the last one sets the row aside.

    Returns True when the row was set aside. An outage burns no attempt.
    """
    table = outbox_table
    values: dict[str, Any] = {"last_error": failure.reason}
    if failure.row_fault:
        attempts = table.c.attempts + 1
        # SET expressions see the old row: this is the attempt just made.
        set_aside_at = case((attempts >= max_attempts, func.now()), else_=None)
        values |= {"attempts": attempts, "set_aside_at": set_aside_at}
    statement = (
        update(table)
        .where(table.c.id == failure.row_id)
        .values(values)
        .returning(table.c.set_aside_at.is_not(None))
    )
    return bool((await session.execute(statement)).scalar_one_or_none())


async def outbox_stats(session: AsyncSession) -> OutboxStats:
    """Count pending and set-aside rows; age of the oldest pending one by the database clock."""
    table = outbox_table
    age = func.extract("epoch", func.clock_timestamp() - func.min(table.c.created_at))
    pending = (await session.execute(select(func.count(), age).where(_PENDING))).one()
    set_aside = await session.scalar(
        select(func.count()).select_from(table).where(table.c.set_aside_at.is_not(None))
    )
    return OutboxStats(int(pending[0]), float(pending[1] or 0.0), int(set_aside or 0))
