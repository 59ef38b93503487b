"""Percentiles (nearest rank) and the small summaries the report shows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime


def utcnow() -> datetime:
    """The wall clock, as an aware UTC datetime (the clock JetStream and PostgreSQL stamp with)."""
    return datetime.now(UTC)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0 < q <= 1) of ``values``: p99 of 1,000 is the 990th."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class Spread:
    """p50, p90, p99 and max of a set of durations, in milliseconds."""

    count: int
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        """The spread of ``seconds`` (reported in ms)."""
        ms = [s * 1000 for s in seconds]
        p50, p90, p99 = (percentile(ms, q) for q in (0.5, 0.9, 0.99))
        return cls(len(ms), p50, p90, p99, max(ms))

    def cells(self) -> list[str]:
        """p50, p90, p99, max as table cells."""
        return [f"{v:.1f}" for v in (self.p50, self.p90, self.p99, self.max)]
