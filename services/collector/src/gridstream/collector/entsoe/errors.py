"""The ENTSO-E client's typed errors, each mapped to an event error kind and a retry decision.

    EntsoeError                      base; .kind (ErrorKind), .retryable, .status, .attempts
    ├── EntsoeRetryableError         retry later (the collector naks with a delay)
    │   ├── EntsoeTransientError     kind "transient": timeouts, connection errors, 5xx, 408
    │   └── EntsoeRateLimited        kind "rate_limited": 429; .retry_after seconds
    └── EntsoePermanentError         do not retry the same request
        ├── EntsoeAuthError          kind "auth": 401/403, missing or invalid token
        ├── EntsoeBadRequest         kind "bad_request": 400/4xx or an error acknowledgement;
        │   │                        .reason_code, .reason_text (ENTSO-E's own words)
        │   └── EntsoeInvalidRequest a request the client refuses to send (bad bounds, qualifiers)
        └── EntsoeParseError         kind "parse": unparsable, truncated or oversized body

Messages never contain the API token: the client redacts every text built from foreign errors.
"""

from __future__ import annotations

import re
from typing import ClassVar

from gridstream.contracts import ErrorKind

REDACTED = "***"
# A token that leaked into a URL or message in query form, whatever its value.
_TOKEN_PARAM = re.compile(r"(securityToken=|SECURITY_TOKEN[=:]\s*)[^&\s'\"]+", re.IGNORECASE)


class EntsoeError(Exception):
    """Base of every error the ENTSO-E client raises."""

    kind: ClassVar[ErrorKind] = "internal"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        """HTTP status of the last response, None when no response arrived."""
        self.attempts = attempts
        """HTTP requests made for this fetch, retries included."""


class EntsoeRetryableError(EntsoeError):
    """The request may succeed later; retrying it is safe."""

    retryable = True


class EntsoeTransientError(EntsoeRetryableError):
    """Timeouts, connection errors, 5xx and 408 that outlasted the client's retries."""

    kind = "transient"


class EntsoeRateLimited(EntsoeRetryableError):  # noqa: N818 the name DESIGN.md uses
    """HTTP 429: the token is over its request budget and must wait `retry_after` seconds."""

    kind = "rate_limited"

    def __init__(
        self, message: str, *, retry_after: float, status: int | None = 429, attempts: int = 0
    ) -> None:
        super().__init__(message, status=status, attempts=attempts)
        self.retry_after = retry_after
        """Seconds to wait before the next request with this token."""


class EntsoePermanentError(EntsoeError):
    """Retrying the same request cannot help."""


class EntsoeAuthError(EntsoePermanentError):
    """The token is missing, invalid or not allowed (401/403)."""

    kind = "auth"


class EntsoeBadRequest(EntsoePermanentError):  # noqa: N818 the name the collector uses
    """ENTSO-E refused the query; `reason_text` carries its explanation when it gave one."""

    kind = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        reason_code: str | None = None,
        reason_text: str | None = None,
        status: int | None = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message, status=status, attempts=attempts)
        self.reason_code = reason_code
        self.reason_text = reason_text


class EntsoeInvalidRequest(EntsoeBadRequest):
    """A request the client refuses to build or send (e.g. bounds not on a whole minute)."""


class EntsoeParseError(EntsoePermanentError):
    """The body could not be read as an ENTSO-E document (malformed, truncated, too large)."""

    kind = "parse"


def error_kind_of(exc: BaseException) -> ErrorKind:
    """The event error kind of any exception: its own kind for client errors, else "internal"."""
    return exc.kind if isinstance(exc, EntsoeError) else "internal"


def redact(text: str, secret: str) -> str:
    """`text` with the secret and any `securityToken=` value replaced by ***."""
    if secret:
        text = text.replace(secret, REDACTED)
    return _TOKEN_PARAM.sub(lambda match: match.group(1) + REDACTED, text)


__all__ = [
    "REDACTED",
    "EntsoeAuthError",
    "EntsoeBadRequest",
    "EntsoeError",
    "EntsoeInvalidRequest",
    "EntsoeParseError",
    "EntsoePermanentError",
    "EntsoeRateLimited",
    "EntsoeRetryableError",
    "EntsoeTransientError",
    "error_kind_of",
    "redact",
]
