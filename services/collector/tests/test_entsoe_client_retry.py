"""Pure pieces of the client: backoff with full jitter, Retry-After parsing, the error tree, redaction."""

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from gridstream.collector.entsoe.errors import (
    EntsoeAuthError,
    EntsoeBadRequest,
    EntsoeError,
    EntsoeInvalidRequest,
    EntsoeParseError,
    EntsoePermanentError,
    EntsoeRateLimited,
    EntsoeRetryableError,
    EntsoeTransientError,
    error_kind_of,
    redact,
)
from gridstream.collector.entsoe.retry import (
    RetryPolicy,
    backoff_ceiling,
    backoff_delay,
    parse_retry_after,
)


class _Fixed(random.Random):
    """A Random whose random() is pinned, to reach the ends of the jitter interval."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def test_ceiling_doubles_from_the_base_up_to_the_cap() -> None:
    ceilings = [backoff_ceiling(n, base=0.5, cap=10.0) for n in range(1, 9)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert backoff_ceiling(10_000, base=1.0, cap=30.0) == 30.0
    with pytest.raises(ValueError, match="start at 1"):
        backoff_ceiling(0, base=1.0, cap=2.0)


@pytest.mark.parametrize("retry", [1, 2, 3, 4, 5, 6, 10])
def test_full_jitter_stays_within_zero_and_the_ceiling(retry: int) -> None:
    rng = random.Random(retry)
    ceiling = backoff_ceiling(retry, base=1.0, cap=30.0)
    delays = [backoff_delay(retry, base=1.0, cap=30.0, rng=rng) for _ in range(2000)]
    assert all(0.0 <= delay <= ceiling for delay in delays)
    # full jitter spreads over the whole interval, not just near the ceiling
    assert min(delays) < 0.05 * ceiling
    assert max(delays) > 0.95 * ceiling


def test_jitter_ends_are_zero_and_the_ceiling() -> None:
    assert backoff_delay(3, base=1.0, cap=30.0, rng=_Fixed(0.0)) == 0.0
    assert backoff_delay(3, base=1.0, cap=30.0, rng=_Fixed(1.0)) == 4.0
    assert backoff_delay(9, base=1.0, cap=30.0, rng=_Fixed(1.0)) == 30.0


def test_policy_backoff_uses_its_settings() -> None:
    policy = RetryPolicy(max_retries=2, backoff_base=0.25, backoff_cap=1.0)
    assert policy.backoff(1, _Fixed(1.0)) == 0.25
    assert policy.backoff(5, _Fixed(1.0)) == 1.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": -1},
        {"backoff_base": 0.0},
        {"backoff_base": 2.0, "backoff_cap": 1.0},
        {"max_retry_after": -1.0},
    ],
)
def test_policy_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 each case has its own message
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("inf", None),
        ("nan", None),
    ],
)
def test_retry_after_in_seconds(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=1_700_000_000.0) == expected


def test_retry_after_as_an_http_date() -> None:
    when = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    header = format_datetime(when, usegmt=True)
    assert header == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after(header, now=when.timestamp() - 30) == pytest.approx(30.0)
    assert parse_retry_after(header, now=when.timestamp() + 30) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 -0000", now=when.timestamp() - 2) == (
        pytest.approx(2.0)
    )
    assert parse_retry_after("Wed, 32 Foo 2015 07:28:00 GMT", now=0.0) is None


@pytest.mark.parametrize(
    ("error", "kind", "retryable", "branch"),
    [
        (EntsoeTransientError("x"), "transient", True, EntsoeRetryableError),
        (EntsoeRateLimited("x", retry_after=3.0), "rate_limited", True, EntsoeRetryableError),
        (EntsoeAuthError("x"), "auth", False, EntsoePermanentError),
        (EntsoeBadRequest("x", reason_text="why"), "bad_request", False, EntsoePermanentError),
        (EntsoeInvalidRequest("x"), "bad_request", False, EntsoeBadRequest),
        (EntsoeParseError("x"), "parse", False, EntsoePermanentError),
    ],
)
def test_every_error_knows_its_kind_and_whether_to_retry(
    error: EntsoeError, kind: str, retryable: bool, branch: type[EntsoeError]
) -> None:
    assert isinstance(error, EntsoeError)
    assert isinstance(error, branch)
    assert error.kind == kind
    assert error.retryable is retryable
    assert error_kind_of(error) == kind


def test_foreign_errors_are_internal() -> None:
    assert error_kind_of(ValueError("boom")) == "internal"


def test_rate_limited_carries_its_delay() -> None:
    error = EntsoeRateLimited("slow down", retry_after=42.0, attempts=3)
    assert (error.retry_after, error.status, error.attempts) == (42.0, 429, 3)


def test_redact_removes_the_token_and_any_query_token() -> None:
    text = "GET /api?securityToken=abc-123&documentType=A65 failed; SECURITY_TOKEN: abc-123"
    cleaned = redact(text, "abc-123")
    assert "abc-123" not in cleaned
    assert "documentType=A65" in cleaned
    assert "securityToken=other" not in redact("x?securityToken=other&y=1", "abc")
    assert redact("nothing here", "") == "nothing here"
