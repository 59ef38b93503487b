"""The periodic ServiceHeartbeat every service publishes (the monitor's dead-man's switch)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime

from gridstream.contracts import ServiceHeartbeat, utcnow
from gridstream.runtime.background import BackgroundTask

logger = logging.getLogger(__name__)

PublishMessage = Callable[[ServiceHeartbeat], Awaitable[object]]
"""Publishes one heartbeat (e.g. ``lambda m: publish(broker, m)``); raises when it failed."""


def instance_id() -> str:
    """This process's instance id: host name and pid."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Heartbeat(BackgroundTask):
    """Publishes a ServiceHeartbeat at start and then every ``interval`` seconds until stopped."""

    def __init__(
        self,
        service: str,
        publish: PublishMessage,
        *,
        interval: float = 30.0,
        version: str = "0.1.0",
        instance: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"heartbeat interval must be positive, got {interval}")
        super().__init__(f"gridstream-heartbeat-{service}")
        self.service = service
        self.interval = interval
        self.version = version
        self.instance = instance or instance_id()
        self._publish = publish
        self._clock = clock
        self.started_at = clock()

    def message(self) -> ServiceHeartbeat:
        """The heartbeat to publish now."""
        return ServiceHeartbeat(
            source=self.service,
            occurred_at=self._clock(),
            service=self.service,
            instance=self.instance,
            started_at=self.started_at,
            interval_seconds=self.interval,
            version=self.version,
        )

    async def beat(self) -> bool:
        """Publish one heartbeat; a failure is logged (the next beat tries again), never raised."""
        try:
            await self._publish(self.message())
        except Exception as exc:
            logger.warning("heartbeat not published (%s: %s)", type(exc).__name__, exc)
            return False
        return True

    async def run(self) -> None:
        """Beat now, then every ``interval`` seconds until stopped."""
        loop = asyncio.get_running_loop()
        next_beat = loop.time()
        while not self.stopping.is_set():
            await self.beat()
            # Scheduled from the planned time, so a slow publish does not make beats drift.
            next_beat = max(next_beat + self.interval, loop.time())
            await self.pause(next_beat - loop.time())
