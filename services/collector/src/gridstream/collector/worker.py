"""The backfill worker: a background loop that claims jobs and works them chunk by chunk."""

import asyncio
import contextlib
import logging

from gridstream.collector.backfill import BackfillDeps, run_next_job

logger = logging.getLogger(__name__)


class BackfillWorker:
    """Runs backfill jobs one at a time; woken early when a new job is accepted."""

    def __init__(self, deps: BackfillDeps, poll_interval: float = 2.0) -> None:
        self._deps = deps
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Start the loop in the background."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="backfill-worker")

    async def stop(self) -> None:
        """Stop the loop; a chunk in flight is abandoned uncommitted and resumed later."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                worked = await run_next_job(self._deps)
            except Exception:
                logger.exception("backfill worker pass failed; retrying after the poll interval")
                worked = False
            if not worked:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval)
