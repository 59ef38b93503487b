"""Retries and dead letters against a real JetStream server: backoff, max_deliver, PermanentError."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import nats
import pytest
from faststream.nats import JStream, NatsBroker, NatsMessage
from nats.js import JetStreamContext
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from gridstream.contracts import (
    CMD_STREAM,
    DLQ_STREAM,
    EVT_STREAM,
    GapScanRequested,
    dlq_subject,
)
from gridstream.runtime.broker import build_broker, durable_name, durable_subscriber
from gridstream.runtime.errors import PermanentError, TransientError
from gridstream.runtime.publishing import message_headers, message_payload, publish, publish_raw
from gridstream.runtime.streams import ensure_streams
from gridstream.testing import NatsServer, wait_until

SERVICE = "retrytest"
SUBJECT = "gridstream.cmd.gapscan"
BASE_DELAY = 0.2
MARKER = "marker"
"""The source of a command every handler here accepts at once: published after the messages under
test, its acknowledgement proves that nothing before it can be delivered again."""


class BadScanError(PermanentError):
    """A refusal no retry can fix."""


def _broker(nats_url: str, max_deliver: int) -> NatsBroker:
    return build_broker(
        nats_url=nats_url,
        service=SERVICE,
        max_deliver=max_deliver,
        retry_base_delay=BASE_DELAY,
        retry_max_delay=2.0,
    )


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    client = await nats.connect(nats_url)
    yield client.jetstream()
    await client.close()


@asynccontextmanager
async def _running(broker: NatsBroker) -> AsyncIterator[NatsBroker]:
    """The broker started with every gridstream stream declared; stopped on the way out."""
    await broker.start()
    try:
        await ensure_streams(broker.connection.jetstream())
        yield broker
    finally:
        await broker.stop()


async def _stream_count(js: JetStreamContext, stream: str) -> int:
    info = await js.stream_info(stream)
    return int(info.state.messages)


async def _has_messages(js: JetStreamContext, stream: str) -> bool:
    return await _stream_count(js, stream) > 0


async def _settled(js: JetStreamContext, consumer: str) -> bool:
    """Nothing waits for an acknowledgement and nothing is left to deliver."""
    info = await js.consumer_info(CMD_STREAM.name, consumer)
    return bool(info.num_ack_pending == 0 and info.num_pending == 0)


async def _settled_through_marker(
    js: JetStreamContext,
    consumer: str,
    *,
    stream: str = CMD_STREAM.name,
    subject: str = SUBJECT,
    payload: bytes | None = None,
) -> None:
    """Publish a marker, then wait until ``consumer`` acknowledged or terminated it and everything
    stored before it (its ack floor passed the marker): no earlier message can come back."""
    marker = GapScanRequested(source=MARKER)
    headers = {**message_headers(marker), "Nats-Msg-Id": str(marker.event_id)}
    body = message_payload(marker) if payload is None else payload
    seq = (await js.publish(subject, body, headers=headers, stream=stream)).seq

    async def through_marker() -> bool:
        info = await js.consumer_info(stream, consumer)
        return bool(info.ack_floor.stream_seq >= seq and info.num_ack_pending == 0)

    await wait_until(through_marker, timeout=10)


async def test_fails_twice_then_succeeds_with_growing_delays(
    nats_url: str, js: JetStreamContext
) -> None:
    broker = _broker(nats_url, max_deliver=5)
    deliveries: list[float] = []

    @durable_subscriber(broker, SUBJECT, service=SERVICE)
    async def handle(command: GapScanRequested) -> None:
        if command.source == MARKER:
            return
        deliveries.append(time.monotonic())
        if len(deliveries) < 3:
            raise TransientError("not yet")

    async with _running(broker):
        await publish(broker, GapScanRequested(source="test"))
        await wait_until(lambda: len(deliveries) == 3, timeout=10)
        await _settled_through_marker(js, durable_name(SERVICE, SUBJECT))

    first_gap, second_gap = deliveries[1] - deliveries[0], deliveries[2] - deliveries[1]
    assert len(deliveries) == 3
    assert first_gap >= BASE_DELAY * 0.95
    assert second_gap >= 2 * BASE_DELAY * 0.95
    assert second_gap > first_gap
    assert await _stream_count(js, DLQ_STREAM.name) == 0


async def test_always_failing_handler_ends_in_dlq_after_max_deliver(
    nats_url: str, js: JetStreamContext
) -> None:
    broker = _broker(nats_url, max_deliver=3)
    calls: list[int] = []

    @durable_subscriber(broker, SUBJECT, service=SERVICE)
    async def handle(command: GapScanRequested) -> None:
        if command.source == MARKER:
            return
        calls.append(1)
        raise RuntimeError("database is on fire")

    command = GapScanRequested(source="test")
    async with _running(broker):
        await publish(broker, command)
        await wait_until(lambda: _has_messages(js, DLQ_STREAM.name), timeout=10)
        # A (wrong) fourth delivery would keep the ack floor below the marker.
        await _settled_through_marker(js, durable_name(SERVICE, SUBJECT))
        consumer = await js.consumer_info(CMD_STREAM.name, durable_name(SERVICE, SUBJECT))

    assert len(calls) == 3
    # The middleware, not the server, enforces max_deliver (see durable_subscriber).
    assert consumer.config.max_deliver == -1
    assert consumer.config.ack_wait == 60.0
    assert await _stream_count(js, DLQ_STREAM.name) == 1
    letter = await js.get_msg(DLQ_STREAM.name, 1)
    headers = letter.headers or {}
    assert letter.subject == dlq_subject(SUBJECT) == "gridstream.dlq.cmd.gapscan"
    assert letter.data == command.model_dump_json().encode()
    assert headers["Gridstream-Dlq-Consumer"] == durable_name(SERVICE, SUBJECT)
    assert headers["Gridstream-Dlq-Reason"] == (
        "gave up after 3 deliveries: RuntimeError: database is on fire"
    )
    assert headers["Gridstream-Dlq-Deliveries"] == "3"
    assert headers["Gridstream-Dlq-Original-Subject"] == SUBJECT
    assert headers["Gridstream-Dlq-Stream"] == CMD_STREAM.name
    assert headers["Gridstream-Dlq-Stream-Seq"] == "1"
    assert headers["Gridstream-Dlq-Original-Msg-Id"] == str(command.event_id)
    assert headers["Nats-Msg-Id"] == f"dlq:{CMD_STREAM.name}:1:{durable_name(SERVICE, SUBJECT)}"


async def test_permanent_error_goes_to_dlq_after_one_delivery(
    nats_url: str, js: JetStreamContext
) -> None:
    broker = _broker(nats_url, max_deliver=5)
    calls: list[int] = []

    @durable_subscriber(broker, SUBJECT, service=SERVICE)
    async def handle(command: GapScanRequested) -> None:
        if command.source == MARKER:
            return
        calls.append(1)
        raise BadScanError("series list names an unknown area")

    async with _running(broker):
        await publish(broker, GapScanRequested(source="test"))
        await wait_until(lambda: _has_messages(js, DLQ_STREAM.name), timeout=10)
        await _settled_through_marker(js, durable_name(SERVICE, SUBJECT))

    assert len(calls) == 1
    letter = await js.get_msg(DLQ_STREAM.name, 1)
    headers = letter.headers or {}
    assert headers["Gridstream-Dlq-Reason"] == "BadScanError: series list names an unknown area"
    assert headers["Gridstream-Dlq-Deliveries"] == "1"


async def test_message_is_kept_while_the_dlq_cannot_store_it(
    nats_url: str, js: JetStreamContext
) -> None:
    broker = _broker(nats_url, max_deliver=5)
    calls: list[int] = []

    @durable_subscriber(broker, SUBJECT, service=SERVICE)
    async def handle(command: GapScanRequested) -> None:
        calls.append(1)
        raise BadScanError("refused")

    try:
        await broker.start()  # declares only the command stream: no DLQ stream yet
        await publish(broker, GapScanRequested(source="test"))
        await wait_until(lambda: len(calls) >= 2, timeout=10)  # naked, not dropped
        await ensure_streams(js)
        await wait_until(lambda: _has_messages(js, DLQ_STREAM.name), timeout=10)
        await wait_until(lambda: _settled(js, durable_name(SERVICE, SUBJECT)), timeout=5)
    finally:
        await broker.stop()

    letter = await js.get_msg(DLQ_STREAM.name, 1)
    assert (letter.headers or {})["Gridstream-Dlq-Reason"] == "BadScanError: refused"


async def test_success_is_acked_only_after_the_result_is_published(
    nats_url: str, js: JetStreamContext
) -> None:
    broker = _broker(nats_url, max_deliver=10)
    calls: list[int] = []
    heartbeat = "gridstream.evt.heartbeat.retrytest"

    @durable_subscriber(broker, SUBJECT, service=SERVICE)
    @broker.publisher(heartbeat, stream=JStream(EVT_STREAM.name, declare=False))
    async def handle(command: GapScanRequested) -> str:
        calls.append(1)
        return "scanned"

    try:
        await broker.start()  # the event stream is missing: the result cannot be published
        await publish(broker, GapScanRequested(source="test"))
        await wait_until(lambda: len(calls) >= 2, timeout=10)  # naked and redelivered
        await ensure_streams(js)
        await wait_until(lambda: _has_messages(js, EVT_STREAM.name), timeout=10)
        await wait_until(lambda: _settled(js, durable_name(SERVICE, SUBJECT)), timeout=5)
    finally:
        await broker.stop()

    stored = await js.get_last_msg(EVT_STREAM.name, heartbeat)
    assert stored.data == b"scanned"
    assert await _stream_count(js, DLQ_STREAM.name) == 0


async def test_failing_dead_letter_consumer_does_not_feed_its_own_stream(
    nats_url: str, js: JetStreamContext
) -> None:
    broker = _broker(nats_url, max_deliver=3)
    calls: list[int] = []
    subject = "gridstream.dlq.cmd.gapscan"

    @durable_subscriber(broker, "gridstream.dlq.>", service=SERVICE)
    async def handle(letter: NatsMessage) -> None:
        if letter.body == MARKER.encode():
            return
        calls.append(1)
        raise BadScanError("cannot record the dead letter")

    async with _running(broker):
        await publish_raw(broker, subject, b"{}", {}, "letter-1")
        await wait_until(lambda: len(calls) == 1, timeout=10)
        await _settled_through_marker(
            js,
            "retrytest-dlq-all",
            stream=DLQ_STREAM.name,
            subject=subject,
            payload=MARKER.encode(),
        )

    assert len(calls) == 1
    assert await _stream_count(js, DLQ_STREAM.name) == 2  # the letter and the marker, no copy


async def test_delivery_after_an_unfinished_last_attempt_is_dead_lettered_unrun(
    nats_url: str, js: JetStreamContext
) -> None:
    """A replica that died during the last allowed attempt: the next delivery goes to the DLQ."""
    consumer = durable_name(SERVICE, SUBJECT)
    declaring = _broker(nats_url, max_deliver=1)
    durable_subscriber(declaring, SUBJECT, service=SERVICE, ack_wait=0.5)(_never_called)
    async with _running(declaring):
        pass

    await publish_with_own_broker(nats_url)
    crashed = await js.pull_subscribe_bind(consumer, CMD_STREAM.name)
    (taken,) = await crashed.fetch(1, timeout=5)  # delivery 1, never acknowledged
    assert taken.metadata.num_delivered == 1

    broker = _broker(nats_url, max_deliver=1)
    calls: list[int] = []

    @durable_subscriber(broker, SUBJECT, service=SERVICE, ack_wait=0.5)
    async def handle(command: GapScanRequested) -> None:
        calls.append(1)

    async with _running(broker):
        await wait_until(lambda: _has_messages(js, DLQ_STREAM.name), timeout=10)
        await wait_until(lambda: _settled(js, consumer), timeout=5)

    assert calls == []
    letter = await js.get_msg(DLQ_STREAM.name, 1)
    headers = letter.headers or {}
    assert headers["Gridstream-Dlq-Deliveries"] == "2"
    assert "an earlier attempt did not finish" in headers["Gridstream-Dlq-Reason"]


async def test_metrics_and_traces_see_each_outcome(nats_url: str, js: JetStreamContext) -> None:
    registry = CollectorRegistry()
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    broker = build_broker(
        nats_url=nats_url,
        service=SERVICE,
        max_deliver=3,
        retry_base_delay=BASE_DELAY,
        retry_max_delay=2.0,
        tracer_provider=tracer_provider,
        prometheus_registry=registry,
    )
    deliveries: list[int] = []

    @durable_subscriber(broker, SUBJECT, service=SERVICE)
    async def handle(command: GapScanRequested) -> None:
        deliveries.append(1)
        if len(deliveries) == 1:
            raise TransientError("once")

    async with _running(broker):
        await publish(broker, GapScanRequested(source="test"))
        await wait_until(lambda: _settled(js, durable_name(SERVICE, SUBJECT)), timeout=10)
        await wait_until(lambda: len(deliveries) == 2, timeout=5)

    assert _processed(registry) == {"nacked": 1.0, "acked": 1.0}
    trace_ids = {span.context.trace_id for span in spans.get_finished_spans() if span.context}
    assert len(spans.get_finished_spans()) >= 3  # one publish, two deliveries
    assert len(trace_ids) == 1


def _processed(registry: CollectorRegistry) -> dict[str, float]:
    """faststream's processed-message counter by status, summed over handlers."""
    totals: dict[str, float] = {}
    for metric in registry.collect():
        for sample in metric.samples:
            if sample.name == "faststream_received_processed_messages_total":
                status = sample.labels["status"]
                totals[status] = totals.get(status, 0.0) + sample.value
    return totals


async def _never_called(command: GapScanRequested) -> None:
    raise AssertionError("the declaring broker consumes nothing")


async def publish_with_own_broker(nats_url: str) -> None:
    """Publish one command from a short-lived broker (a separate process in production)."""
    broker = _broker(nats_url, max_deliver=1)
    await broker.connect()
    try:
        await publish(broker, GapScanRequested(source="test"))
    finally:
        await broker.stop()


async def test_consumer_resumes_after_a_nats_restart(nats_server: NatsServer) -> None:
    if nats_server.external:
        pytest.skip("needs the embedded server to restart it")
    broker = _broker(nats_server.url, max_deliver=3)
    handled: list[GapScanRequested] = []

    @durable_subscriber(broker, SUBJECT, service=SERVICE)
    async def handle(command: GapScanRequested) -> None:
        handled.append(command)

    command = GapScanRequested(source="test")
    async with _running(broker):
        await asyncio.to_thread(nats_server.restart)
        await wait_until(lambda: broker.connection.is_connected, timeout=15)
        await wait_until(lambda: _published(broker, command), timeout=15)
        await wait_until(lambda: handled == [command], timeout=15)


async def _published(broker: NatsBroker, command: GapScanRequested) -> bool:
    await publish(broker, command, timeout=1.0)
    return True


@pytest.mark.parametrize(
    ("error", "traceback_logged"),
    [(TransientError("ENTSO-E answered 503"), False), (RuntimeError("a bug"), True)],
)
async def test_only_unexpected_errors_are_logged_with_a_traceback(
    nats_url: str,
    js: JetStreamContext,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    traceback_logged: bool,
) -> None:
    broker = _broker(nats_url, max_deliver=2)
    calls: list[int] = []

    @durable_subscriber(broker, SUBJECT, service=SERVICE)
    async def handle(command: GapScanRequested) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise error

    async with _running(broker):
        await publish(broker, GapScanRequested(source="test"))
        await wait_until(lambda: len(calls) == 2, timeout=10)
        await wait_until(lambda: _settled(js, durable_name(SERVICE, SUBJECT)), timeout=5)

    with_traceback = [r for r in caplog.records if r.exc_info and str(error) in r.getMessage()]
    assert bool(with_traceback) is traceback_logged
    retried = [r for r in caplog.records if r.getMessage().startswith("delivery 1 of 2 failed")]
    assert len(retried) == 1
