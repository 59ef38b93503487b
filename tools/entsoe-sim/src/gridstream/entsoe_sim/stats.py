"""Counters of the requests the simulator received, for GET /admin/stats."""

import hashlib
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

MISSING_TOKEN = "missing"  # noqa: S105 - the stats label of requests without a token
UNKNOWN_TOKEN = "unknown"  # noqa: S105 - the stats label of requests with a wrong token
CLIENT_GONE = 499
"""Status recorded for a request whose client disconnected before it was answered."""


def token_label(token: str) -> str:
    """How stats name a token: a short fingerprint, never the token itself."""
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:12]


@dataclass(slots=True)
class _TokenStats:
    total: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    last_minute: deque[float] = field(default_factory=deque)
    last_second: deque[float] = field(default_factory=deque)
    max_per_60s: int = 0
    max_per_1s: int = 0

    def arrived(self, at: float) -> None:
        self.total += 1
        self.max_per_60s = max(self.max_per_60s, _push(self.last_minute, at, 60.0))
        self.max_per_1s = max(self.max_per_1s, _push(self.last_second, at, 1.0))

    def view(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_status": dict(self.by_status),
            "max_per_60s": self.max_per_60s,
            "max_per_1s": self.max_per_1s,
        }


def _push(times: deque[float], at: float, window: float) -> int:
    """Add an arrival and return how many arrivals fall in the window ending at it."""
    times.append(at)
    while times and times[0] <= at - window:
        times.popleft()
    return len(times)


class RequestStats:
    """Totals per status, token and documentType, and the busiest rolling windows per token."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start counting from zero."""
        self._total = 0
        self._by_status: Counter[str] = Counter()
        self._by_document_type: Counter[str] = Counter()
        self._by_token: dict[str, _TokenStats] = {}
        self._faults: Counter[str] = Counter()

    def arrived(self, label: str, document_type: str | None, at: float) -> None:
        """Count a request when it arrives (`at` is a monotonic time in seconds)."""
        self._total += 1
        self._by_document_type[document_type or "none"] += 1
        self._by_token.setdefault(label, _TokenStats()).arrived(at)

    def answered(self, label: str, status: int) -> None:
        """Count the status a request was answered with."""
        self._by_status[str(status)] += 1
        self._by_token.setdefault(label, _TokenStats()).by_status[str(status)] += 1

    def faults_fired(self, kinds: tuple[str, ...]) -> None:
        """Count injected faults by kind."""
        self._faults.update(kinds)

    def snapshot(self) -> dict[str, Any]:
        """The JSON body of GET /admin/stats."""
        return {
            "total": self._total,
            "by_status": dict(self._by_status),
            "by_document_type": dict(self._by_document_type),
            "by_token": {label: t.view() for label, t in self._by_token.items()},
            "faults_fired": dict(self._faults),
        }
