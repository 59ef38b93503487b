"""Pure decisions behind the retry middleware: which acknowledgement an outcome gets, and why."""

import json
import re
from dataclasses import dataclass
from uuid import UUID, uuid5

from faststream.exceptions import AckMessage, NackMessage, RejectMessage
from nats.aio.msg import Msg
from pydantic import ValidationError

from gridstream.contracts import (
    CMD_PREFIX,
    DLQ_PREFIX,
    CommandRejected,
    ContractError,
    model_for_subject,
)
from gridstream.runtime.errors import PermanentError, TransientError

REASON_LIMIT = 500
"""Reasons travel in headers and events: keep them to one readable line."""

_REJECTION_NAMESPACE = UUID("6f1d8a44-3c1e-4f43-9a43-5b0e2a1d7c21")

# Values that may follow these names in URLs or messages are secrets (the ENTSO-E token is a query
# parameter), so any reason built from an exception is scrubbed before it leaves the process.
_SECRET_PATTERNS = (
    re.compile(
        r"(?i)\b(securityToken|token|access_token|api[_-]?key|password|passwd|secret)(\s*[=:]\s*)"
        r"[^\s&'\",;]+"
    ),
    re.compile(r"(?i)\b(bearer)(\s+)\S+"),
    re.compile(r"(://[^:/\s@]+)(:)[^@\s/]+(?=@)"),
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how fast a failing message is redelivered."""

    max_deliver: int
    base_delay: float
    max_delay: float

    def __post_init__(self) -> None:
        if self.max_deliver < 1:
            raise ValueError(f"max_deliver must be >= 1, got {self.max_deliver}")
        if self.base_delay <= 0 or self.max_delay < self.base_delay:
            raise ValueError(
                f"need 0 < base_delay <= max_delay, got {self.base_delay} and {self.max_delay}"
            )

    def backoff(self, delivery: int) -> float:
        """Delay before delivery ``delivery + 1``: min(max_delay, base_delay * 2**(delivery-1))."""
        exponent = min(max(delivery - 1, 0), 62)  # large counts must not overflow the float
        return float(min(self.max_delay, self.base_delay * 2.0**exponent))


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the runtime needs to know about one JetStream delivery."""

    subject: str
    payload: bytes
    headers: dict[str, str]
    stream: str
    stream_seq: int
    consumer: str
    count: int

    @classmethod
    def from_msg(cls, msg: Msg) -> "Delivery":
        """Read subject, payload, headers and JetStream metadata from a nats-py message."""
        meta = msg.metadata
        return cls(
            subject=msg.subject,
            payload=msg.data,
            headers=dict(msg.headers or {}),
            stream=meta.stream,
            stream_seq=meta.sequence.stream,
            consumer=meta.consumer,
            count=meta.num_delivered,
        )

    @property
    def is_command(self) -> bool:
        """True for subjects of the command stream."""
        return self.subject.startswith(f"{CMD_PREFIX}.")

    @property
    def is_dead_letter(self) -> bool:
        """True for subjects of the dead-letter stream."""
        return self.subject.startswith(f"{DLQ_PREFIX}.")


@dataclass(frozen=True, slots=True)
class Ack:
    """The handler succeeded."""


@dataclass(frozen=True, slots=True)
class Retry:
    """Redeliver after ``delay`` seconds."""

    delay: float


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """Give up: copy the message to GRIDSTREAM_DLQ with the reason, then terminate it."""

    reason: str


@dataclass(frozen=True, slots=True)
class RejectCommand:
    """The command's payload is invalid: publish one CommandRejected, then terminate it."""

    reason: str


Decision = Ack | Retry | DeadLetter | RejectCommand


def is_jetstream(msg: object) -> bool:
    """True for a nats-py message delivered by a JetStream consumer (it can be acked and naked)."""
    return isinstance(msg, Msg) and bool(msg.reply) and msg.reply.startswith("$JS.ACK.")


def decide(error: BaseException | None, delivery: Delivery, policy: RetryPolicy) -> Decision:
    """Map a handler outcome to an acknowledgement (the only place that does)."""
    if error is None or isinstance(error, AckMessage):
        return Ack()
    if isinstance(error, ValidationError | json.JSONDecodeError):
        reason = payload_reason(error)
        return RejectCommand(reason) if delivery.is_command else DeadLetter(reason)
    if isinstance(error, PermanentError | RejectMessage):
        return DeadLetter(describe(error))
    if delivery.count >= policy.max_deliver:
        return DeadLetter(f"gave up after {delivery.count} deliveries: {describe(error)}")
    requested = _requested_delay(error)
    return Retry(policy.backoff(delivery.count) if requested is None else requested)


def _requested_delay(error: BaseException) -> float | None:
    if isinstance(error, TransientError):
        return error.retry_after
    if isinstance(error, NackMessage):
        delay = error.extra_options.get("delay")
        return float(delay) if isinstance(delay, int | float) else None
    return None


def check_command_payload(subject: str, payload: bytes) -> str | None:
    """Why a command payload is unacceptable (bad JSON, or invalid for its contract model), or None."""
    try:
        model = model_for_subject(subject)
    except (LookupError, ContractError):
        model = None  # a command subject without a contract model: only its JSON can be checked
    try:
        if model is None:
            json.loads(payload)
        else:
            model.model_validate_json(payload)
    except ValidationError as exc:
        return payload_reason(exc)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        return payload_reason(exc)
    return None


def payload_reason(error: Exception) -> str:
    """A one-line reason naming each bad field (pydantic loc and message) or the JSON problem."""
    if not isinstance(error, ValidationError):
        return one_line(f"payload is not valid JSON: {error}")
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "json_invalid":
            parts.append(f"payload is not valid JSON: {message}")
            continue
        location = ".".join(str(part) for part in item["loc"]) or "payload"
        parts.append(f"{location}: {message}")
    return one_line("; ".join(parts))


def describe(error: BaseException) -> str:
    """A secret-free one-line description of an exception."""
    text = str(error)
    return one_line(f"{type(error).__name__}: {text}" if text else type(error).__name__)


def redact(text: str) -> str:
    """Mask values that look like tokens, passwords or URL credentials."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return text


def one_line(text: str, limit: int = REASON_LIMIT) -> str:
    """Redact, collapse whitespace (header values cannot hold newlines) and truncate."""
    flat = " ".join(redact(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def rejection_event(delivery: Delivery, reason: str, service: str) -> CommandRejected:
    """The CommandRejected for a delivery; its id is fixed by stream, sequence and consumer.

    A fixed id makes a second rejection of the same stored message (a redelivery race) a duplicate
    that JetStream stores once.
    """
    payload = _json_object(delivery.payload)
    command_id = delivery.headers.get("Nats-Msg-Id") or _text(payload.get("event_id"))
    envelope: dict[str, UUID] = {}
    command_event_id = _uuid(payload.get("event_id"))
    # A command without a correlation id starts its own chain (the envelope's rule).
    if (correlation := _uuid(payload.get("correlation_id")) or command_event_id) is not None:
        envelope["correlation_id"] = correlation
    if command_event_id is not None:
        envelope["causation_id"] = command_event_id
    key = f"{delivery.stream}:{delivery.stream_seq}:{delivery.consumer}"
    return CommandRejected(
        event_id=uuid5(_REJECTION_NAMESPACE, key),
        source=service,
        command_subject=delivery.subject,
        command_id=one_line(command_id, 128) if command_id else None,
        consumer=delivery.consumer,
        reason=reason,
        **envelope,
    )


def _json_object(payload: bytes) -> dict[str, object]:
    try:
        value = json.loads(payload)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None
