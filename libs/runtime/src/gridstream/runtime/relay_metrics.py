"""Prometheus metrics of the outbox relay, registered in the service's registry."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.runtime.relay_store import outbox_stats

logger = logging.getLogger(__name__)


class RelayMetrics:
    """Counters of what the relay did, and gauges of what the outbox holds (database clock)."""

    def __init__(self, registry: CollectorRegistry | None, stats_interval: float) -> None:
        counter = partial(Counter, registry=registry)
        gauge = partial(Gauge, registry=registry)
        self.published = counter("gridstream_outbox_published", "Outbox rows published.")
        self.duplicates = counter(
            "gridstream_outbox_duplicates",
            "Outbox rows JetStream already held (republished after a crash or by a peer).",
        )
        self.failures = counter(
            "gridstream_outbox_publish_failures",
            "Outbox passes stopped by a failed publish or database error.",
        )
        self.set_aside = counter(
            "gridstream_outbox_rows_set_aside", "Outbox rows set aside after their last attempt."
        )
        self.skipped = counter(
            "gridstream_outbox_passes_skipped",
            "Relay passes skipped because another replica held the outbox lease.",
        )
        self.pending_rows = gauge(
            "gridstream_outbox_pending_rows", "Outbox rows neither published nor set aside."
        )
        self.oldest_pending_age = gauge(
            "gridstream_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending outbox row by the database clock (0 when none).",
        )
        self.set_aside_rows = gauge(
            "gridstream_outbox_set_aside_rows", "Outbox rows set aside now (see last_error)."
        )
        self._stats_interval = stats_interval
        self._next_stats = 0.0

    def refresh_soon(self) -> None:
        """Read the gauges at the next ``refresh``, whatever the interval."""
        self._next_stats = 0.0

    async def refresh(self, session_maker: async_sessionmaker[AsyncSession]) -> None:
        """Read the outbox gauges from the database, at most every ``stats_interval`` seconds."""
        now = asyncio.get_running_loop().time()
        if now < self._next_stats:
            return
        self._next_stats = now + self._stats_interval
        try:
            async with session_maker() as session, session.begin():
                stats = await outbox_stats(session)
        except Exception as exc:  # the pass that failed reports the database error
            logger.debug("outbox metrics not refreshed: %s", type(exc).__name__)
            return
        self.pending_rows.set(stats.pending)
        self.oldest_pending_age.set(stats.oldest_pending_age)
        self.set_aside_rows.set(stats.set_aside)
