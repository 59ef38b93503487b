"""Structured logging: JSON lines with the standard and extra fields, trace ids, redacted secrets."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from gridstream.runtime.logs import REDACTED, SecretRedactor, configure_logging

SECRET = "s3cr3t-Pa55word"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Logging configured into a buffer; the root logger is restored afterwards."""
    root = logging.getLogger()
    level = root.level
    buffer = io.StringIO()
    handler = configure_logging("INFO", "testsvc", secrets=[SECRET], stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)


def _lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_json_line_with_standard_and_extra_fields(output: io.StringIO) -> None:
    logging.getLogger("gridstream.test").info(
        "stored %d points", 96, extra={"event_id": "e-1", "correlation_id": "c-1"}
    )
    logging.getLogger("gridstream.test").debug("below the level")

    [entry] = _lines(output)
    assert entry["message"] == "stored 96 points"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "gridstream.test"
    assert entry["service"] == "testsvc"
    assert entry["event_id"] == "e-1"
    assert entry["correlation_id"] == "c-1"
    assert entry["ts"].endswith("Z")
    assert "trace_id" not in entry


def test_trace_and_span_ids_from_current_span(output: io.StringIO) -> None:
    provider = TracerProvider(shutdown_on_exit=False)
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        logging.getLogger("gridstream.test").warning("inside a span")
        context = span.get_span_context()
    provider.shutdown()

    [entry] = _lines(output)
    assert entry["trace_id"] == format(context.trace_id, "032x")
    assert entry["span_id"] == format(context.span_id, "016x")


def test_secrets_redacted_everywhere(output: io.StringIO) -> None:
    log = logging.getLogger("gridstream.test")
    log.info("connecting with %s", SECRET, extra={"url": f"postgresql://u:{SECRET}@db/x"})
    log.info("nested", extra={"request": {"params": {"securityToken": SECRET}}})
    try:
        raise RuntimeError(f"login failed for token {SECRET}")
    except RuntimeError:
        log.exception("call failed")

    text = output.getvalue()
    assert SECRET not in text
    first, second, third = _lines(output)
    assert first["message"] == f"connecting with {REDACTED}"
    assert first["url"] == f"postgresql://u:{REDACTED}@db/x"
    assert second["request"] == {"params": {"securityToken": REDACTED}}
    assert "RuntimeError: login failed for token ***" in third["exc"]


def test_configure_twice_keeps_one_handler() -> None:
    root = logging.getLogger()
    level = root.level
    first = configure_logging("INFO", "a", stream=io.StringIO())
    second_buffer = io.StringIO()
    second = configure_logging("WARNING", "b", stream=second_buffer)
    try:
        assert first not in root.handlers
        assert second in root.handlers
        logging.getLogger("x").warning("hello")
        assert json.loads(second_buffer.getvalue())["service"] == "b"
    finally:
        root.removeHandler(second)
        root.setLevel(level)


def test_short_values_are_not_treated_as_secrets() -> None:
    redactor = SecretRedactor(["", "ab", "longer-secret"])
    assert redactor.redact("ab longer-secret") == f"ab {REDACTED}"


def test_bad_format_arguments_do_not_leak_or_raise(output: io.StringIO) -> None:
    logging.getLogger("gridstream.test").info("two %s %s", SECRET)  # noqa: PLE1206 on purpose

    [entry] = _lines(output)
    assert entry["message"] == "two %s %s"
    assert SECRET not in output.getvalue()
