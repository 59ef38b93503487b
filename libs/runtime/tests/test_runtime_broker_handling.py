"""The retry middleware's pure decisions: backoff, outcome mapping, reasons, redaction, ids, headers."""

from __future__ import annotations

import json
from uuid import UUID

import pytest
from faststream.exceptions import AckMessage, NackMessage, RejectMessage
from pydantic import BaseModel, ValidationError

from gridstream.runtime.broker import durable_name
from gridstream.runtime.deadletter import dead_letter_headers, dead_letter_msg_id
from gridstream.runtime.errors import PermanentError, TransientError
from gridstream.runtime.handling import (
    Ack,
    DeadLetter,
    Delivery,
    RejectCommand,
    Retry,
    RetryPolicy,
    check_command_payload,
    decide,
    describe,
    one_line,
    redact,
    rejection_event,
)

POLICY = RetryPolicy(max_deliver=4, base_delay=0.5, max_delay=3.0)
COLLECT = "gridstream.cmd.collect.DE_LU.day_ahead_price"
COMMAND_ID = "0b5e2c9e-8f0a-4a55-9d55-3f2a4f0c1d11"


def _delivery(
    subject: str = COLLECT,
    count: int = 1,
    payload: bytes = b"{}",
    headers: dict[str, str] | None = None,
    consumer: str = "collector-cmd-collect-any-any",
) -> Delivery:
    return Delivery(
        subject=subject,
        payload=payload,
        headers=headers or {},
        stream="GRIDSTREAM_CMD",
        stream_seq=42,
        consumer=consumer,
        count=count,
    )


def _validation_error() -> ValidationError:
    class Sample(BaseModel):
        size: int

    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"size": "large"})
    return caught.value


def test_backoff_doubles_from_base_up_to_the_cap() -> None:
    assert [POLICY.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert POLICY.backoff(10_000) == 3.0


@pytest.mark.parametrize(
    ("max_deliver", "base", "cap", "message"),
    [
        (0, 1.0, 2.0, "max_deliver must be >= 1"),
        (3, 0.0, 2.0, "need 0 < base_delay <= max_delay"),
        (3, 2.0, 1.0, "need 0 < base_delay <= max_delay"),
    ],
)
def test_retry_policy_rejects_nonsense(
    max_deliver: int, base: float, cap: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RetryPolicy(max_deliver, base, cap)


def test_success_and_ack_message_are_acked() -> None:
    assert decide(None, _delivery(), POLICY) == Ack()
    assert decide(AckMessage(), _delivery(), POLICY) == Ack()


def test_transient_and_unexpected_errors_retry_with_backoff() -> None:
    assert decide(TransientError("later"), _delivery(count=1), POLICY) == Retry(0.5)
    assert decide(RuntimeError("boom"), _delivery(count=3), POLICY) == Retry(2.0)


def test_a_requested_delay_wins_over_backoff() -> None:
    assert decide(TransientError("429", retry_after=7.5), _delivery(), POLICY) == Retry(7.5)
    assert decide(TransientError("now", retry_after=0), _delivery(count=2), POLICY) == Retry(0.0)
    assert decide(NackMessage(delay=3), _delivery(), POLICY) == Retry(3.0)


def test_negative_retry_after_is_refused() -> None:
    with pytest.raises(ValueError, match="retry_after must be >= 0"):
        TransientError("x", retry_after=-1)


def test_last_allowed_delivery_failing_is_dead_lettered() -> None:
    decision = decide(TransientError("still down"), _delivery(count=4), POLICY)
    assert decision == DeadLetter("gave up after 4 deliveries: TransientError: still down")


def test_permanent_errors_are_dead_lettered_at_once() -> None:
    class RefusedError(PermanentError):
        pass

    assert decide(RefusedError("bad area"), _delivery(count=1), POLICY) == DeadLetter(
        "RefusedError: bad area"
    )
    assert decide(RejectMessage(), _delivery(), POLICY) == DeadLetter(
        "RejectMessage: Message was rejected"
    )


def test_validation_errors_reject_commands_and_dead_letter_events() -> None:
    error = _validation_error()
    reason = "size: Input should be a valid integer, unable to parse string as an integer"
    assert decide(error, _delivery(), POLICY) == RejectCommand(reason)
    event = _delivery(subject="gridstream.evt.data.ready.DE_LU.actual_load")
    assert decide(error, event, POLICY) == DeadLetter(reason)
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads("{")
    assert isinstance(decide(caught.value, _delivery(), POLICY), RejectCommand)


def test_valid_command_payload_passes() -> None:
    payload = {
        "area": "DE_LU",
        "data_type": "day_ahead_price",
        "window": {"start": "2024-03-01T00:00:00Z", "end": "2024-03-02T00:00:00Z"},
    }
    assert check_command_payload(COLLECT, json.dumps(payload).encode()) is None


def test_command_payload_reason_names_every_bad_field() -> None:
    payload = {
        "area": "DE_LU",
        "data_type": "day_ahead_price",
        "window": {"start": "2024-03-01T00:00:00", "end": "2024-03-02T00:00:00Z"},
        "reason": "because",
    }
    reason = check_command_payload(COLLECT, json.dumps(payload).encode())
    assert reason is not None
    assert reason.startswith("window.start: naive datetime 2024-03-01T00:00:00 is not allowed")
    assert "; reason: Input should be 'scheduled', 'manual'" in reason


def test_bad_json_reason() -> None:
    reason = check_command_payload(COLLECT, b'{"area": ')
    assert reason is not None
    assert reason.startswith("payload is not valid JSON: ")


def test_command_without_contract_model_only_needs_valid_json() -> None:
    assert check_command_payload("gridstream.cmd.experimental", b'{"any": 1}') is None
    reason = check_command_payload("gridstream.cmd.experimental", b"\xff\xfe")
    assert reason is not None
    assert reason.startswith("payload is not valid JSON")


def test_redaction_masks_tokens_bearer_and_url_passwords() -> None:
    text = (
        "GET https://web-api.tp.entsoe.eu/api?securityToken=abc-123&documentType=A44 failed; "
        "Authorization: Bearer s3cr3t; dsn postgresql://app:hunter2@db:5432/x password=pw1"
    )
    masked = redact(text)
    for secret in ("abc-123", "s3cr3t", "hunter2", "pw1"):
        assert secret not in masked
    assert "securityToken=***&documentType=A44" in masked
    assert "postgresql://app:***@db:5432/x" in masked


def test_describe_and_one_line_make_safe_single_line_reasons() -> None:
    error = RuntimeError("failed for token=xyz\nsecond line")
    assert describe(error) == "RuntimeError: failed for token=*** second line"
    assert describe(KeyError()) == "KeyError"
    long = one_line("x" * 1000, limit=20)
    assert len(long) == 20
    assert long.endswith("…")


def test_rejection_event_id_is_fixed_per_stored_message_and_consumer() -> None:
    delivery = _delivery(headers={"Nats-Msg-Id": "cmd-1"})
    first = rejection_event(delivery, "bad", "collector")
    again = rejection_event(
        _delivery(count=2, headers={"Nats-Msg-Id": "cmd-1"}), "bad", "collector"
    )
    other = rejection_event(_delivery(consumer="quality-cmd-collect"), "bad", "quality")
    assert first.event_id == again.event_id
    assert other.event_id != first.event_id
    assert first.command_id == "cmd-1"
    assert first.subject() == "gridstream.evt.command.rejected"


def test_rejection_event_falls_back_to_payload_ids() -> None:
    payload = json.dumps({"event_id": COMMAND_ID, "correlation_id": str(UUID(int=7))}).encode()
    event = rejection_event(_delivery(payload=payload), "bad", "collector")
    assert event.command_id == COMMAND_ID
    assert event.causation_id == UUID(COMMAND_ID)
    assert event.correlation_id == UUID(int=7)
    unknown = rejection_event(_delivery(payload=b"[1, 2"), "bad", "collector")
    assert unknown.command_id is None
    assert unknown.causation_id is None


def test_dead_letter_headers_keep_context_and_drop_control_and_credentials() -> None:
    delivery = _delivery(
        count=3,
        headers={
            "Nats-Msg-Id": "cmd-1",
            "Nats-Expected-Stream": "GRIDSTREAM_CMD",
            "Authorization": "Bearer abc",
            "X-Api-Token": "abc",
            "traceparent": "00-aa-bb-01",
            "content-type": "application/json",
        },
    )
    headers = dead_letter_headers(delivery, "gave up\nafter 3")
    assert headers == {
        "traceparent": "00-aa-bb-01",
        "content-type": "application/json",
        "Gridstream-Dlq-Original-Msg-Id": "cmd-1",
        "Gridstream-Dlq-Consumer": "collector-cmd-collect-any-any",
        "Gridstream-Dlq-Reason": "gave up after 3",
        "Gridstream-Dlq-Deliveries": "3",
        "Gridstream-Dlq-Original-Subject": COLLECT,
        "Gridstream-Dlq-Stream": "GRIDSTREAM_CMD",
        "Gridstream-Dlq-Stream-Seq": "42",
    }
    assert dead_letter_msg_id(delivery) == "dlq:GRIDSTREAM_CMD:42:collector-cmd-collect-any-any"


def test_durable_names_are_valid_consumer_names() -> None:
    assert (
        durable_name("collector", "gridstream.cmd.collect.*.*") == "collector-cmd-collect-any-any"
    )
    assert durable_name("monitor", "gridstream.evt.>") == "monitor-evt-all"
    assert durable_name("quality", "gridstream.evt.data.ready.{area}.{dt}") == (
        "quality-evt-data-ready-area-dt"
    )
