"""The inbox: event ids each consumer has processed, recorded in the transaction of their effects.

JetStream's duplicate window (minutes) cannot stop an event republished later, e.g. by an outbox
relay after a long outage. A consumer that records the event id with its effects, and skips an id
it already holds, changes nothing the second time. The table lives in each service schema
(runtime migration ``gridstream_runtime_0003``) and is reached through the engine's search_path,
so this module names no schema.

Use it inside the handler's transaction, before the effects::

    async with sessions() as session, session.begin():
        if not await mark_processed(session, consumer, event.event_id):
            return  # processed before (or by a concurrent delivery that committed first)
        ...  # the effects

The insert takes the row lock on (consumer, event_id), so a concurrent delivery of the same event
waits for this transaction and then sees the id recorded.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from sqlalchemy import TIMESTAMP, Column, MetaData, Table, Text, delete, exists, func, select
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.runtime.background import BackgroundTask

logger = logging.getLogger(__name__)

inbox_table = Table(
    "inbox",
    MetaData(),
    Column("consumer", Text, primary_key=True),
    Column("event_id", PG_UUID(as_uuid=True), primary_key=True),
    Column(
        "processed_at",
        TIMESTAMP(timezone=True),
        nullable=False,
        server_default=func.clock_timestamp(),
    ),
)


async def already_processed(session: AsyncSession, consumer: str, event_id: UUID) -> bool:
    """True when ``consumer`` has recorded ``event_id`` (committed, or earlier in this transaction)."""
    recorded = exists().where(
        inbox_table.c.consumer == consumer, inbox_table.c.event_id == event_id
    )
    return bool((await session.execute(select(recorded))).scalar_one())


async def mark_processed(session: AsyncSession, consumer: str, event_id: UUID) -> bool:
    """Record ``event_id`` for ``consumer`` in the caller's transaction; False when already there.

    False means another delivery recorded it first: the caller must roll back its effects (or,
    called before them, skip them).
    """
    statement = (
        pg_insert(inbox_table)
        .values(consumer=consumer, event_id=event_id)
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(inbox_table.c.event_id)
    )
    return (await session.execute(statement)).first() is not None


async def purge_inbox(session: AsyncSession, older_than: timedelta) -> int:
    """Delete ids recorded more than ``older_than`` ago by the database clock; return how many."""
    statement = delete(inbox_table).where(inbox_table.c.processed_at < func.now() - older_than)
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


class InboxPurger(BackgroundTask):
    """Background task that purges inbox rows older than ``retention`` every ``interval`` seconds.

    ``retention`` must outlast every way an event can come back (outbox outages, replays), and is
    best far longer than JetStream's duplicate window. Several replicas purging at once is harmless.
    """

    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        retention: timedelta = timedelta(days=30),
        interval: float = 3600.0,
    ) -> None:
        if retention <= timedelta(0) or interval <= 0:
            raise ValueError(
                f"inbox retention and purge interval must be positive, got {retention}, {interval}"
            )
        super().__init__("gridstream-inbox-purger")
        self._session_maker = session_maker
        self.retention = retention
        self.interval = interval

    async def purge(self) -> int:
        """Purge once in a transaction of its own; return how many ids were deleted."""
        async with self._session_maker() as session, session.begin():
            return await purge_inbox(session, self.retention)

    async def run(self) -> None:
        """Purge now, then every ``interval`` seconds until stopped."""
        while not self.stopping.is_set():
            try:
                deleted = await self.purge()
            except Exception:
                logger.warning("inbox purge failed; retrying at the next interval", exc_info=True)
            else:
                if deleted:
                    logger.info("purged %d inbox ids", deleted, extra={"deleted": deleted})
            await self.pause(self.interval)
