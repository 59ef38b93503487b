"""Polling helpers: wait for a condition with a deadline and a clear failure message."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

Predicate = Callable[[], bool | Awaitable[bool]]


async def wait_until(
    predicate: Predicate,
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 a polling deadline, reported in the failure message
    interval: float = 0.05,
    description: str | None = None,
) -> None:
    """Poll ``predicate`` (sync or async) until it returns true, else raise AssertionError.

    Exceptions raised by the predicate count as "not yet"; the last one is reported on timeout.
    """
    what = description or getattr(predicate, "__name__", repr(predicate))
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return
            last_error = None
        except Exception as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error is not None else ""
            raise AssertionError(f"timed out after {timeout}s waiting for: {what}{detail}")
        await asyncio.sleep(interval)


def wait_until_sync(
    predicate: Callable[[], bool],
    *,
    timeout: float = 10.0,
    interval: float = 0.01,
    description: str = "condition",
) -> None:
    """Blocking variant of :func:`wait_until` for fixtures that run outside an event loop."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for: {description}")
        time.sleep(interval)
