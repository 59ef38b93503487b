"""Clocks: the simulator's notion of "now", which decides what is already published."""

from datetime import UTC, datetime, timedelta
from typing import Protocol

from gridstream.contracts import require_utc


class Clock(Protocol):
    """Something that tells the current UTC time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The machine's wall clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until told otherwise; for tests and reproducible runs."""

    def __init__(self, start: datetime) -> None:
        self._now = require_utc(start)

    def now(self) -> datetime:
        """The time last set."""
        return self._now

    def set(self, value: datetime) -> None:
        """Jump to `value` (timezone-aware)."""
        self._now = require_utc(value)

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`."""
        self._now += delta
