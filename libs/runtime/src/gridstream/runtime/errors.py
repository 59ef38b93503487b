"""Handler outcome errors: the runtime maps them to JetStream acknowledgements in one place.

The tree (services subclass the two branches)::

    GridstreamError
    ├── PermanentError        reject, never redeliver; the message goes to GRIDSTREAM_DLQ with the reason
    └── TransientError        nak with a delay (exponential, or ``retry_after`` when given)
        └── PublishFailedError  the broker did not confirm a publish (down, timeout, no stream)

Anything else a handler raises counts as transient until ``max_deliver`` deliveries are used up.
Messages must never contain secrets: they travel in dead-letter headers and events.
"""


class GridstreamError(Exception):
    """Base of every error a gridstream handler raises on purpose."""


class PermanentError(GridstreamError):
    """Retrying cannot help (bad input, a refused request): dead-letter the message at once."""


class TransientError(GridstreamError):
    """Retrying later may help; ``retry_after`` (seconds) asks for that exact delay.

    Use ``retry_after`` for a rate limit's Retry-After; leave it None for exponential backoff.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        if retry_after is not None and retry_after < 0:
            raise ValueError(f"retry_after must be >= 0 seconds, got {retry_after}")
        super().__init__(message)
        self.retry_after = retry_after


class PublishFailedError(TransientError):
    """A publish to JetStream was not acknowledged (broker down, timeout, missing stream)."""
