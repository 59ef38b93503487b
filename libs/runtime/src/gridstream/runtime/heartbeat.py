"""The periodic ServiceHeartbeat every service publishes (the monitor's dead-man's switch)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime

from gridstream.contracts import ServiceHeartbeat, utcnow

logger = logging.getLogger(__name__)

PublishMessage = Callable[[ServiceHeartbeat], Awaitable[object]]
"""Publishes one heartbeat (e.g. ``lambda m: publish(broker, m)``); raises when it failed."""


def instance_id() -> str:
    """This process's instance id: host name and pid."""
    return f"{socket.gethostname()}-{os.getpid()}"


class Heartbeat:
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
        self.service = service
        self.interval = interval
        self.version = version
        self.instance = instance or instance_id()
        self._publish = publish
        self._clock = clock
        self.started_at = clock()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

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

    async def start(self) -> None:
        """Start beating in the background (does nothing when already running)."""
        if self._task is not None and not self._task.done():
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=f"gridstream-heartbeat-{self.service}")

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Stop beating; a beat still in flight after ``timeout`` seconds is cancelled."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, timeout)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_beat = loop.time()
        while not self._stopping.is_set():
            await self.beat()
            # Scheduled from the planned time, so a slow publish does not make beats drift.
            next_beat = max(next_beat + self.interval, loop.time())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(next_beat - loop.time()):
                    await self._stopping.wait()
