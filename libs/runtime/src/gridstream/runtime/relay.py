"""The outbox relay: publishes committed outbox rows in order, marks them sent, retries on outages."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from opentelemetry import context as otel_context
from opentelemetry import propagate
from prometheus_client import CollectorRegistry
from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.runtime.background import BackgroundTask, wait_for_event
from gridstream.runtime.lease import acquire_or_renew, release
from gridstream.runtime.outbox import outbox_table
from gridstream.runtime.relay_faults import describe, is_row_fault
from gridstream.runtime.relay_metrics import RelayMetrics
from gridstream.runtime.relay_store import (
    Failure,
    OutboxRow,
    pending_rows,
    record_failure,
    record_published,
)

logger = logging.getLogger(__name__)

PublishRaw = Callable[[str, bytes, dict[str, str], str], Awaitable[bool]]
"""``(subject, payload, headers, msg_id) -> duplicate``: publishes with ``Nats-Msg-Id = msg_id``
and returns once JetStream confirmed it (True when it was a duplicate it already held); raises when
it was not confirmed, and the row is retried (as ``gridstream.runtime.publishing.publish_raw``)."""

LEASE_NAME = "outbox"
"""The relay's lease in the schema's ``leases`` table (gridstream.runtime.lease)."""

# Time kept free at the end of a lease: a publish may overrun its timeout a little.
LEASE_MARGIN = 1.0


class OutboxPublishError(RuntimeError):
    """A row could not be published; it stays pending and is retried (rows after it wait)."""


@dataclass
class _Pass:
    """What one pass did: rows published, the failure that stopped it, whether more may wait."""

    published: list[int] = field(default_factory=list)
    failure: Failure | None = None
    set_aside: bool = False
    more: bool = False


class OutboxRelay(BackgroundTask):
    """Background task that drains the outbox of one service schema to the broker.

    Only the holder of the schema's lease ``outbox`` (runtime ``lease``, database clock)
    relays, so rows go out in id order even with several replicas; a replica that vanished
    loses the lease when it expires, and ``stop`` releases it. A pass takes or renews the lease
    and reads pending rows in one short transaction, publishes them outside any transaction
    (renewing the lease when it runs short) with the event id as ``Nats-Msg-Id``, then records
    the outcome in a second short transaction.

    A failed publish stops the pass, so later rows never overtake it; passes are then retried
    with exponential backoff. A failure that is the row's fault (see ``relay_faults``: e.g. a
    row bigger than the server's max_payload) uses one of its ``max_attempts``; after the last
    one the row is set aside (``set_aside_at``, ``last_error`` kept) and the rows behind it
    flow. A broker outage uses no attempt. A crash after publishing and before the second
    transaction republishes the rows, which JetStream's duplicate window stores once.
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
        publish_timeout: float = 3.0,
        retention: timedelta = timedelta(days=7),
        purge_interval: float = 3600.0,
        registry: CollectorRegistry | None = None,
        max_attempts: int = 5,
        lease: float = 5.0,
        metrics_interval: float = 5.0,
        owner: str | None = None,
    ) -> None:
        if lease <= publish_timeout + LEASE_MARGIN:
            raise ValueError(
                f"outbox relay lease ({lease}s) must exceed the publish timeout "
                f"({publish_timeout}s) by more than {LEASE_MARGIN}s"
            )
        super().__init__("gridstream-outbox-relay", stop_timeout=10.0)
        self._session_maker = session_maker
        self._publish_raw = publish_raw
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay
        self.publish_timeout = publish_timeout
        self.retention = retention
        self.purge_interval = purge_interval
        self.max_attempts = max(max_attempts, 1)
        self.lease = lease
        self.owner = owner or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._metrics = RelayMetrics(registry, metrics_interval)
        self._passes = 0
        self._wake = asyncio.Event()

    @property
    def passes(self) -> int:
        """Passes finished so far, whatever their outcome (published, skipped or failed)."""
        return self._passes

    def notify(self) -> None:
        """Wake the relay now (call after committing outbox rows) instead of at the next poll."""
        self._wake.set()

    def backoff(self, failures: int) -> float:
        """Delay before the next pass after ``failures`` consecutive failed passes."""
        return float(min(self.retry_base_delay * 2 ** max(failures - 1, 0), self.retry_max_delay))

    async def run_once(self) -> int:
        """One pass: publish up to ``batch_size`` pending rows; return how many were published.

        Returns 0 at once while another replica holds the lease. Raises OutboxPublishError
        (after recording the outcome) when a publish failed and its row stays pending.
        """
        return len((await self._counted_pass()).published)

    async def purge(self) -> int:
        """Delete rows published longer than ``retention`` ago; return how many were deleted."""
        statement = delete(outbox_table).where(
            outbox_table.c.published_at < func.now() - self.retention
        )
        async with self._session_maker() as session, session.begin():
            result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    def stop_requested(self) -> None:
        """Wake the task from its poll wait so it ends now."""
        self._wake.set()

    async def stop(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Finish the current pass (cancelled after ``timeout`` seconds), release the lease, stop."""
        if self._task is None:
            return
        await super().stop(timeout)
        try:
            async with self._session_maker() as session, session.begin():
                await release(session, LEASE_NAME, self.owner)
        except Exception:
            logger.warning("outbox lease not released; it expires in %ss", self.lease)

    async def _counted_pass(self) -> _Pass:
        try:
            done = await self._pass()
        finally:
            await self._metrics.refresh(self._session_maker)
            self._passes += 1
        self._metrics.published.inc(len(done.published))
        failure = done.failure
        if failure is None:
            return done
        message = f"outbox row {failure.row_id} not published: {failure.reason}"
        if not done.set_aside:
            raise OutboxPublishError(message)
        self._metrics.set_aside.inc()
        logger.error("%s; set aside after %d attempts", message, self.max_attempts)
        return done

    async def _pass(self) -> _Pass:
        """Lease and read (tx 1), publish (no transaction), record the outcome (tx 2)."""
        started = asyncio.get_running_loop().time()
        async with self._session_maker() as session, session.begin():
            if not await acquire_or_renew(session, LEASE_NAME, self.owner, self.lease):
                self._metrics.skipped.inc()
                return _Pass()
            rows = await pending_rows(session, self.batch_size)
        done = await self._publish_rows(rows, deadline=started + self.lease)
        async with self._session_maker() as session, session.begin():
            await record_published(session, done.published)
            if done.failure is not None:
                done.set_aside = await record_failure(session, done.failure, self.max_attempts)
        if done.set_aside:
            self._metrics.refresh_soon()  # show the set-aside row in the gauges at once
        done.more = done.more or done.set_aside or len(rows) == self.batch_size
        return done

    async def _publish_rows(self, rows: Sequence[OutboxRow], deadline: float) -> _Pass:
        """Publish in order until one fails, the lease is lost, or the relay stops."""
        done = _Pass()
        loop = asyncio.get_running_loop()
        for row in rows:
            if self.stopping.is_set():
                break
            if loop.time() + self.publish_timeout + LEASE_MARGIN > deadline:
                renewed = await self._renew()
                if renewed is None:
                    done.more = True  # another replica took over; it publishes the rest
                    break
                deadline = renewed
            error = await self._publish(row)
            if error is not None:
                done.failure = Failure(row.id, describe(error), is_row_fault(error))
                break
            done.published.append(row.id)
        return done

    async def _renew(self) -> float | None:
        """Extend the lease; return its new local deadline, or None when it was lost."""
        started = asyncio.get_running_loop().time()
        async with self._session_maker() as session, session.begin():
            held = await acquire_or_renew(session, LEASE_NAME, self.owner, self.lease)
        return started + self.lease if held else None

    async def _publish(self, row: OutboxRow) -> Exception | None:
        """Publish one row; None on success, else the error."""
        headers = {str(k): str(v) for k, v in (row.headers or {}).items()}
        # Publish inside the trace of the code that wrote the row, not a fresh one.
        token = otel_context.attach(propagate.extract(headers))
        try:
            async with asyncio.timeout(self.publish_timeout):
                duplicate = await self._publish_raw(
                    row.subject, bytes(row.payload), headers, str(row.event_id)
                )
        except TimeoutError:
            return TimeoutError(f"publish timed out after {self.publish_timeout}s")
        except Exception as exc:  # classified by relay_faults: row fault or outage
            return exc
        finally:
            otel_context.detach(token)
        if duplicate:
            self._metrics.duplicates.inc()
        return None

    async def run(self) -> None:
        """Pass after pass until stopped: backoff after failures, a poll wait when idle."""
        loop = asyncio.get_running_loop()
        failures = 0
        next_purge = loop.time()
        while not self.stopping.is_set():
            self._wake.clear()
            try:
                done = await self._counted_pass()
            except Exception as exc:
                failures += 1
                self._metrics.failures.inc()
                delay = self.backoff(failures)
                logger.warning(
                    "outbox pass failed (%s); retrying in %.1fs", exc, delay, exc_info=failures == 1
                )
                await self.pause(delay)
                continue
            failures = 0
            if loop.time() >= next_purge:
                next_purge = loop.time() + self.purge_interval
                await self._purge_logged()
            if not done.more:
                await wait_for_event(self._wake, self.poll_interval)

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
