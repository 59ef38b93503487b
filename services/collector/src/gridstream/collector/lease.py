"""Runs work while a lease is renewed beside it; the work is cancelled as soon as the lease is lost."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

RENEWALS_PER_LEASE = 3
"""Renew every lease/3: two renewals may be late or fail before the lease runs out."""


class LeaseLostError(Exception):
    """The lease was taken over or could not be renewed in time; the work was cancelled."""


async def while_leased(
    work: Coroutine[Any, Any, T],
    renew: Callable[[], Awaitable[bool]],
    lease_seconds: float,
) -> T:
    """Run `work`, calling `renew` every lease/3 seconds; raise LeaseLostError when it is lost.

    `renew` returns False when another owner holds the lease now. When renewals fail (the
    database is unreachable) for a whole lease period, the lease is presumed lost as well: another
    replica may already have claimed it.
    """
    period = lease_seconds / RENEWALS_PER_LEASE
    loop = asyncio.get_running_loop()
    worker = asyncio.ensure_future(work)
    renewed_at = loop.time()
    try:
        while True:
            done, _ = await asyncio.wait({worker}, timeout=period)
            if done:
                return worker.result()
            outcome = await _renew_once(renew, period)
            if outcome is False:
                raise LeaseLostError("another owner holds the lease")
            if outcome:
                renewed_at = loop.time()
            elif loop.time() - renewed_at >= lease_seconds:
                raise LeaseLostError(f"lease not renewed for {loop.time() - renewed_at:.1f}s")
    finally:
        if not worker.done():
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, LeaseLostError):
                await worker


async def _renew_once(renew: Callable[[], Awaitable[bool]], within: float) -> bool | None:
    """One renewal: True renewed, False taken over, None unknown (an error or a timeout)."""
    try:
        async with asyncio.timeout(within):
            return await renew()
    except Exception:  # TimeoutError included: the database may be slow or gone for a moment
        logger.warning("could not renew a lease; trying again", exc_info=True)
        return None
