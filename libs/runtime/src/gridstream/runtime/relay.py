"""The outbox relay: publishes committed outbox rows in order, marks them sent, retries on outages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate
from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import Row, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.runtime.outbox import outbox_table

logger = logging.getLogger(__name__)

PublishRaw = Callable[[str, bytes, dict[str, str], str], Awaitable[bool]]
"""``(subject, payload, headers, msg_id) -> duplicate``: publishes with ``Nats-Msg-Id = msg_id``
and returns once JetStream confirmed it (True when it was a duplicate it already held); raises when
it was not confirmed, and the row is retried (as ``gridstream.runtime.publishing.publish_raw``)."""

_ERROR_LENGTH = 500
# One relay per schema at a time keeps publication in id order across replicas.
_TURN = text("SELECT pg_try_advisory_xact_lock(hashtext('gridstream.outbox.' || current_schema()))")


class OutboxPublishError(RuntimeError):
    """A row could not be published; it stays pending and is retried (rows after it wait)."""


class OutboxRelay:
    """Background task that drains the outbox of one service schema to the broker.

    Each pass locks the oldest pending rows (``FOR UPDATE SKIP LOCKED``), publishes them in id
    order with the event id as ``Nats-Msg-Id`` and marks them published in the same transaction.
    A failed publish stops the pass, so later rows never overtake it; passes are then retried
    with exponential backoff. A crash after publishing and before commit republishes the rows,
    which JetStream's duplicate window stores once.
    """

    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        publish_raw: PublishRaw,
        *,
        poll_interval: float = 1.0,
        batch_size: int = 100,
        retry_base_delay: float = 0.5,
        retry_max_delay: float = 30.0,
        publish_timeout: float = 10.0,
        retention: timedelta = timedelta(days=7),
        purge_interval: float = 3600.0,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self._session_maker = session_maker
        self._publish_raw = publish_raw
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay
        self.publish_timeout = publish_timeout
        self.retention = retention
        self.purge_interval = purge_interval
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._published = Counter(
            "gridstream_outbox_published",
            "Outbox rows published to the broker.",
            registry=registry,
        )
        self._duplicates = Counter(
            "gridstream_outbox_duplicates",
            "Outbox rows JetStream already held (republished after a crash or by a peer).",
            registry=registry,
        )
        self._failures = Counter(
            "gridstream_outbox_publish_failures",
            "Outbox passes stopped by a failed publish or database error.",
            registry=registry,
        )

    def notify(self) -> None:
        """Wake the relay now (call after committing outbox rows) instead of at the next poll."""
        self._wake.set()

    def backoff(self, failures: int) -> float:
        """Delay before the next pass after ``failures`` consecutive failed passes."""
        return float(min(self.retry_base_delay * 2 ** max(failures - 1, 0), self.retry_max_delay))

    async def run_once(self) -> int:
        """One pass: publish up to ``batch_size`` pending rows; return how many were published.

        Raises OutboxPublishError (after recording the published rows) when a publish failed.
        """
        async with self._session_maker() as session, session.begin():
            if not (await session.execute(_TURN)).scalar_one():
                return 0  # another replica is relaying this schema right now
            rows = (await session.execute(_pending(self.batch_size))).all()
            published, failure = await self._publish_rows(rows)
            await _mark(session, published, failure)
        self._published.inc(len(published))
        if failure is not None:
            raise OutboxPublishError(f"outbox row {failure[0]} not published: {failure[1]}")
        return len(published)

    async def purge(self) -> int:
        """Delete rows published longer than ``retention`` ago; return how many were deleted."""
        statement = delete(outbox_table).where(
            outbox_table.c.published_at < func.now() - self.retention
        )
        async with self._session_maker() as session, session.begin():
            result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def start(self) -> None:
        """Start the background task (does nothing when it is already running)."""
        if self._task is not None and not self._task.done():
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="gridstream-outbox-relay")

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Finish the current pass (cancelled after ``timeout`` seconds) and stop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        self._wake.set()
        try:
            await asyncio.wait_for(task, timeout)
        except TimeoutError:
            logger.warning("outbox relay did not stop within %ss; cancelled", timeout)

    async def _publish_rows(
        self, rows: Sequence[Row[Any]]
    ) -> tuple[list[int], tuple[int, str] | None]:
        """Publish in order until one fails; return the published ids and the failed (id, reason)."""
        published: list[int] = []
        for row in rows:
            reason = await self._publish(row)
            if reason is not None:
                return published, (row.id, reason)
            published.append(row.id)
        return published, None

    async def _publish(self, row: Row[Any]) -> str | None:
        """Publish one row; None on success, else why it failed."""
        headers = {str(k): str(v) for k, v in (row.headers or {}).items()}
        # Publish inside the trace of the code that wrote the row, not a fresh one.
        token = otel_context.attach(propagate.extract(headers))
        try:
            async with asyncio.timeout(self.publish_timeout):
                duplicate = await self._publish_raw(
                    row.subject, bytes(row.payload), headers, str(row.event_id)
                )
        except TimeoutError:
            return f"publish timed out after {self.publish_timeout}s"
        except Exception as exc:  # any broker failure: the row stays pending and is retried
            return f"{type(exc).__name__}: {exc}"[:_ERROR_LENGTH]
        finally:
            otel_context.detach(token)
        if duplicate:
            self._duplicates.inc()
        return None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        next_purge = loop.time()
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                published = await self.run_once()
            except Exception as exc:
                failures += 1
                self._failures.inc()
                delay = self.backoff(failures)
                logger.warning(
                    "outbox pass failed (%s); retrying in %.1fs", exc, delay, exc_info=failures == 1
                )
                await _wait(self._stopping, delay)
                continue
            failures = 0
            if loop.time() >= next_purge:
                next_purge = loop.time() + self.purge_interval
                await self._purge_logged()
            if published < self.batch_size:
                await _wait(self._wake, self.poll_interval)

    async def _purge_logged(self) -> None:
        try:
            deleted = await self.purge()
        except Exception:
            logger.warning(
                "outbox purge failed; retrying at the next purge interval", exc_info=True
            )
            return
        if deleted:
            logger.info("purged %d published outbox rows", deleted, extra={"deleted": deleted})


def _pending(limit: int) -> Any:
    table = outbox_table
    return (
        select(table.c.id, table.c.event_id, table.c.subject, table.c.payload, table.c.headers)
        .where(table.c.published_at.is_(None))
        .order_by(table.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def _mark(
    session: AsyncSession, published: list[int], failure: tuple[int, str] | None
) -> None:
    table = outbox_table
    if published:
        await session.execute(
            update(table)
            .where(table.c.id.in_(published))
            .values(published_at=func.now(), attempts=table.c.attempts + 1, last_error=None)
        )
    if failure is not None:
        await session.execute(
            update(table)
            .where(table.c.id == failure[0])
            .values(attempts=table.c.attempts + 1, last_error=failure[1])
        )


async def _wait(event: asyncio.Event, timeout: float) -> None:  # noqa: ASYNC109
    """Sleep up to ``timeout`` seconds, returning early when ``event`` is set."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
