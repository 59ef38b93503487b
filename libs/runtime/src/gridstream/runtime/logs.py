"""Structured logging: one JSON object per line on stderr, with trace ids and secrets redacted."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from opentelemetry import trace

REDACTED = "***"
# Shorter "secrets" would blank out ordinary words all over the log.
MIN_SECRET_LENGTH = 4

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
_MARK = "_gridstream_json"


class SecretRedactor(logging.Filter):
    """Handler filter that replaces registered secret values in messages, fields and tracebacks."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()
        self.register(*secrets)

    def register(self, *secrets: str) -> None:
        """Add secret values to redact (values shorter than MIN_SECRET_LENGTH are ignored)."""
        known = {*self._secrets, *(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)}
        # Longest first, so a URL holding a password is replaced whole before its parts.
        self._secrets = tuple(sorted(known, key=len, reverse=True))

    def redact(self, text: str) -> str:
        """Return ``text`` with every registered secret replaced by REDACTED."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def redact_json(self, line: str) -> str:
        """Redact secrets as they appear inside JSON strings (quotes and backslashes escaped)."""
        for secret in self._secrets:
            encoded = json.dumps(secret, ensure_ascii=False)[1:-1]
            if encoded in line:
                line = line.replace(encoded, REDACTED)
        return line

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place (so every later handler sees the redacted text)."""
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # Bad arguments: keep the template, drop the arguments (they may hold secrets).
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _RECORD_FIELDS and isinstance(value, str):
                setattr(record, key, self.redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: ts, level, logger, message, service, trace ids, extras."""

    def __init__(self, service: str, redactor: SecretRedactor | None = None) -> None:
        super().__init__()
        self._service = service
        self._redactor = redactor or SecretRedactor()

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a single JSON line."""
        entry: dict[str, Any] = {
            "ts": _timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self._service,
        }
        entry.update(_trace_ids())
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        line = json.dumps(entry, default=str, ensure_ascii=False)
        # Second pass: secrets inside non-string extras (dicts, lists, objects) are caught here.
        return self._redactor.redact_json(line)


def _timestamp(created: float) -> str:
    moment = datetime.fromtimestamp(created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _trace_ids() -> dict[str, str]:
    """The current OpenTelemetry trace and span ids, when a span is active."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
    }


def configure_logging(
    level: str | int,
    service: str,
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send all logging to ``stream`` (stderr) as JSON lines, redacting ``secrets``.

    Idempotent: a handler installed by an earlier call is replaced. Returns the new handler.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
        old.close()
    redactor = SecretRedactor(secrets)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    setattr(handler, _MARK, True)
    handler.addFilter(redactor)
    handler.setFormatter(JsonFormatter(service, redactor))
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler
