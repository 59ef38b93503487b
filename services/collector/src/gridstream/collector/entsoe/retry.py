"""Retry arithmetic for the ENTSO-E client: the policy, full-jitter backoff and Retry-After parsing."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

_SECONDS = re.compile(r"\d+(?:\.\d+)?")
_MAX_DOUBLINGS = 62  # beyond this the ceiling is the cap anyway; keeps 2**n finite


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long the client retries one request before giving up."""

    max_retries: int = 4
    """Retries after the first attempt (so at most max_retries + 1 requests)."""
    backoff_base: float = 1.0
    """Ceiling of the first retry's delay in seconds; it doubles with every retry."""
    backoff_cap: float = 30.0
    """Largest backoff ceiling in seconds."""
    max_retry_after: float = 30.0
    """A 429 asking to wait longer than this is raised at once instead of waited out in the client."""
    default_retry_after: float = 60.0
    """Cool-down after a 429 that carries no usable Retry-After header."""

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")
        if self.backoff_base <= 0 or self.backoff_cap < self.backoff_base:
            raise ValueError(
                f"need 0 < backoff_base <= backoff_cap, got {self.backoff_base}, {self.backoff_cap}"
            )
        if self.max_retry_after < 0 or self.default_retry_after < 0:
            raise ValueError("max_retry_after and default_retry_after must be >= 0")

    def backoff(self, retry: int, rng: random.Random) -> float:
        """The delay before retry number `retry` (1 for the first retry)."""
        return backoff_delay(retry, base=self.backoff_base, cap=self.backoff_cap, rng=rng)


def backoff_ceiling(retry: int, *, base: float, cap: float) -> float:
    """min(cap, base * 2**(retry - 1)): the exponential upper bound of retry number `retry`."""
    if retry < 1:
        raise ValueError(f"retry numbers start at 1, got {retry}")
    return min(cap, base * 2.0 ** min(retry - 1, _MAX_DOUBLINGS))


def backoff_delay(retry: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Full jitter: a uniform delay in [0, backoff_ceiling], so retrying clients spread out."""
    return rng.uniform(0.0, backoff_ceiling(retry, base=base, cap=cap))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if unusable.

    `now` is the current wall-clock epoch time, used to turn a date into a delay; a date in the past
    means no wait (0.0).
    """
    if value is None:
        return None
    text = value.strip()
    if _SECONDS.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" dates come back naive; HTTP dates are always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)
