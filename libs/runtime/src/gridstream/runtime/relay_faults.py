"""Why the outbox relay could not publish a row: a fault of the row itself, or a broker outage.

The rule: a failure is the ROW's fault when the exception, or any exception it was raised from
(``raise ... from``, its ``__cause__``), is one of

- ``nats.errors.MaxPayloadError``, ``BadSubjectError``, ``BadHeaderError``: the client refused
  this message (bigger than the server's ``max_payload``, or an invalid subject or header);
- a JetStream API error with a 4xx code (e.g. ``BadRequestError``: the stream refused this
  message, such as one larger than its ``max_msg_size``);
- ``ValueError``/``TypeError``: the publisher could not build a message from the row (e.g. a
  subject no stream stores);
- ``OutboxRowRejectedError``, for publishers that know better.

Everything else is an OUTAGE: timeouts, closed, draining or reconnecting connections, no
responders, JetStream 5xx errors, OS errors, and any unknown error. An outage says nothing about
the row, so it burns no attempt and never sets a row aside; unknown errors count as outages
because setting a good row aside would reorder events for good, while a wrongly blocked row
only waits, visibly (``last_error`` and the oldest-pending-age metric).
"""

from __future__ import annotations

import nats.errors
import nats.js.errors

_ROW_FAULTS: tuple[type[BaseException], ...] = (
    nats.errors.MaxPayloadError,
    nats.errors.BadSubjectError,
    nats.errors.BadHeaderError,
    ValueError,
    TypeError,
)
_ERROR_LENGTH = 500


class OutboxRowRejectedError(Exception):
    """Raised by a publish callable when this row can never be published as it is."""


def is_row_fault(error: BaseException) -> bool:
    """True when ``error`` (or what it was raised from) is the row's fault, not an outage."""
    return any(_own_fault(link) for link in _chain(error))


def describe(error: BaseException) -> str:
    """A short description for ``outbox.last_error``: the error's type and message."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return text[:_ERROR_LENGTH]


def _own_fault(error: BaseException) -> bool:
    if isinstance(error, (OutboxRowRejectedError, *_ROW_FAULTS)):
        return True
    if isinstance(error, nats.js.errors.APIError):
        code = error.code if isinstance(error.code, int) else 0
        return 400 <= code < 500
    return False


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions it was raised from, without cycles."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and not any(current is s for s in seen):
        seen.append(current)
        current = current.__cause__
    return seen
