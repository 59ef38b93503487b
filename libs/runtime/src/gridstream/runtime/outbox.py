"""The transactional outbox: events written in the caller's transaction, published later by the relay.

The table lives in each service schema (created by the runtime's migration ``gridstream_runtime_0001``)
and is reached through the engine's search_path, so this module names no schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from opentelemetry import propagate
from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import BYTEA, JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from gridstream.contracts import Message

_PENDING_FLAG = "gridstream.outbox.pending"

outbox_table = Table(
    "outbox",
    MetaData(),
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("payload", BYTEA, nullable=False),
    Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("created_at", TIMESTAMP(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", TIMESTAMP(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    # Set (database clock) when the relay gave up on the row; it then no longer blocks later rows.
    Column("set_aside_at", TIMESTAMP(timezone=True), nullable=True),
)


def outbox_row(message: Message, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The row that publishes ``message``: its subject, JSON bytes, headers and event id.

    The current trace context (``traceparent``) is added to the headers, so the trace continues
    in the consumers although the relay publishes later from another task.
    """
    row_headers = {
        "content-type": "application/json",
        "correlation_id": str(message.correlation_id),
        **(headers or {}),
    }
    propagate.inject(row_headers)
    return {
        "event_id": message.event_id,
        "subject": message.subject(),
        "payload": message.model_dump_json().encode(),
        "headers": row_headers,
    }


async def add_to_outbox(
    session: AsyncSession, message: Message, headers: Mapping[str, str] | None = None
) -> None:
    """Queue ``message`` for publishing when (and only if) the caller's transaction commits.

    Adding the same event id twice keeps the first row (redelivered commands stay idempotent).
    """
    await add_all_to_outbox(session, [message], headers)


async def add_all_to_outbox(
    session: AsyncSession,
    messages: Iterable[Message],
    headers: Mapping[str, str] | None = None,
) -> None:
    """Queue several messages in one statement, published in the given order."""
    rows = [outbox_row(message, headers) for message in messages]
    if not rows:
        return
    statement = (
        pg_insert(outbox_table).values(rows).on_conflict_do_nothing(index_elements=["event_id"])
    )
    await session.execute(statement)
    session.info[_PENDING_FLAG] = True


def notify_after_commit(
    maker: async_sessionmaker[AsyncSession], callback: Callable[[], None]
) -> None:
    """Call ``callback`` (e.g. ``relay.notify``) after each commit of ``maker``'s sessions that
    wrote to the outbox, so events go out at once instead of at the next poll.

    The listener is bound to a session class private to ``maker``; other makers are unaffected.
    """
    base = maker.kw.get("sync_session_class", Session)
    session_class = type("OutboxNotifyingSession", (base,), {})

    def after_commit(session: Session) -> None:
        if session.info.pop(_PENDING_FLAG, False):
            callback()

    def after_rollback(session: Session) -> None:
        session.info.pop(_PENDING_FLAG, None)

    event.listen(session_class, "after_commit", after_commit)
    event.listen(session_class, "after_soft_rollback", lambda s, _tx: after_rollback(s))
    maker.configure(sync_session_class=session_class)
