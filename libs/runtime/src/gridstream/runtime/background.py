"""The lifecycle every background part of a service shares: one task, started and stopped in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging

logger = logging.getLogger(__name__)


async def wait_for_event(event: asyncio.Event, timeout: float) -> None:  # noqa: ASYNC109
    """Sleep up to ``timeout`` seconds, returning early when ``event`` is set."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()


class BackgroundTask:
    """Runs ``run()`` as one asyncio task between ``start()`` and ``stop()``.

    Subclasses implement ``run`` and end it soon after ``stopping`` is set (``pause`` sleeps
    until then). ``stop`` waits for the task to finish its current step and cancels it after
    ``timeout`` seconds, so nothing of the part runs once ``stop`` returned.
    """

    def __init__(self, name: str, *, stop_timeout: float = 5.0) -> None:
        self.name = name
        self.stop_timeout = stop_timeout
        self.stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """True between start and stop (also while the task is failing and retrying)."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Start the task (does nothing when it is already running)."""
        if self.running:
            return
        self.stopping.clear()
        self._task = asyncio.create_task(self.run(), name=self.name)

    async def stop(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Ask the task to end, wait up to ``timeout`` seconds (default ``stop_timeout``), cancel."""
        task, self._task = self._task, None
        if task is None:
            return
        self.stopping.set()
        self.stop_requested()
        try:
            await asyncio.wait_for(task, self.stop_timeout if timeout is None else timeout)
        except TimeoutError:
            logger.warning("%s did not stop in time; cancelled", self.name)

    def stop_requested(self) -> None:
        """Hook called when stop begins (e.g. to wake a task waiting on its own event)."""

    async def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when stop is requested meanwhile."""
        await wait_for_event(self.stopping, seconds)

    async def run(self) -> None:
        """The task's body; runs until ``stopping`` is set."""
        raise NotImplementedError
