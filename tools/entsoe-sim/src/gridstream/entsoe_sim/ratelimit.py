"""Per-token sliding-window rate limit, like the platform's 400 requests per minute per token."""

import math
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Admit at most `limit` requests per `window` seconds per key; optionally ban the key after that."""

    def __init__(
        self, limit: int, window: float, ban_seconds: float, monotonic: Callable[[], float]
    ) -> None:
        self._limit = limit
        self._window = window
        self._ban_seconds = ban_seconds
        self._monotonic = monotonic
        self._admitted: dict[str, deque[float]] = {}
        self._banned_until: dict[str, float] = {}

    def admit(self, key: str) -> int | None:
        """None when the request may go ahead (it is counted), else the Retry-After in whole seconds."""
        now = self._monotonic()
        banned_until = self._banned_until.get(key, 0.0)
        if now < banned_until:
            return _seconds(banned_until - now)
        times = self._admitted.setdefault(key, deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        if len(times) >= self._limit:
            if self._ban_seconds > 0:
                self._banned_until[key] = now + self._ban_seconds
                return _seconds(self._ban_seconds)
            return _seconds(times[0] + self._window - now)
        times.append(now)
        return None

    def reset(self) -> None:
        """Forget every window and ban."""
        self._admitted.clear()
        self._banned_until.clear()


def _seconds(value: float) -> int:
    return max(1, math.ceil(value))
