"""Malformed commands against a real JetStream server: one CommandRejected each, never redelivered."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import nats
import pytest
from nats.js import JetStreamContext

from gridstream.contracts import (
    CMD_STREAM,
    DLQ_STREAM,
    EVT_STREAM,
    CollectionRequested,
    CommandRejected,
)
from gridstream.runtime.broker import build_broker, durable_name, durable_subscriber
from gridstream.runtime.publishing import publish, publish_raw
from gridstream.runtime.streams import ensure_streams
from gridstream.testing import wait_until

SERVICE = "rejecttest"
SUBJECT = "gridstream.cmd.collect.DE_LU.day_ahead_price"
SUBSCRIPTION = "gridstream.cmd.collect.*.*"
BASE_DELAY = 0.2


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    client = await nats.connect(nats_url)
    yield client.jetstream()
    await client.close()


async def _reject_one(nats_url: str, js: JetStreamContext, payload: bytes) -> CommandRejected:
    """Publish one bad command to a running consumer; return the single CommandRejected stored."""
    broker = build_broker(
        nats_url=nats_url,
        service=SERVICE,
        max_deliver=3,
        retry_base_delay=BASE_DELAY,
        retry_max_delay=1.0,
    )
    handled: list[CollectionRequested] = []

    @durable_subscriber(broker, SUBSCRIPTION, service=SERVICE)
    async def handle(command: CollectionRequested) -> None:
        handled.append(command)

    try:
        await broker.start()
        await ensure_streams(broker.connection.jetstream())
        headers = {"content-type": "application/json"}
        await publish_raw(broker, SUBJECT, payload, headers, "bad-command-1")
        await wait_until(lambda: _has_messages(js, EVT_STREAM.name), timeout=10)
        # A valid command published after the bad one: once the consumer's ack floor passes it,
        # the bad one cannot be delivered again.
        marker = CollectionRequested(source="marker", area="DE_LU", data_type="day_ahead_price")
        await publish(broker, marker)
        marker_seq = (await js.stream_info(CMD_STREAM.name)).state.last_seq
        await wait_until(lambda: _acked_through(js, marker_seq), timeout=10)
        info = await js.consumer_info(CMD_STREAM.name, durable_name(SERVICE, SUBSCRIPTION))
    finally:
        await broker.stop()

    assert handled == [marker]
    assert info.num_ack_pending == 0
    assert info.num_redelivered == 0
    assert await _count(js, EVT_STREAM.name) == 1
    assert await _count(js, DLQ_STREAM.name) == 0
    stored = await js.get_last_msg(EVT_STREAM.name, "gridstream.evt.command.rejected")
    assert stored.data is not None
    return CommandRejected.model_validate_json(stored.data)


async def _acked_through(js: JetStreamContext, seq: int) -> bool:
    info = await js.consumer_info(CMD_STREAM.name, durable_name(SERVICE, SUBSCRIPTION))
    return bool(info.ack_floor.stream_seq >= seq and info.num_ack_pending == 0)


async def _has_messages(js: JetStreamContext, stream: str) -> bool:
    return await _count(js, stream) > 0


async def _count(js: JetStreamContext, stream: str) -> int:
    info = await js.stream_info(stream)
    return int(info.state.messages)


async def test_bad_json_yields_one_command_rejected(nats_url: str, js: JetStreamContext) -> None:
    rejected = await _reject_one(nats_url, js, b'{"area": "DE_LU", ')

    assert rejected.command_subject == SUBJECT
    assert rejected.command_id == "bad-command-1"
    assert rejected.consumer == durable_name(SERVICE, SUBSCRIPTION)
    assert rejected.source == SERVICE
    assert rejected.reason.startswith("payload is not valid JSON: ")


async def test_naive_datetime_yields_one_command_rejected(
    nats_url: str, js: JetStreamContext
) -> None:
    command = {
        "event_id": "0b5e2c9e-8f0a-4a55-9d55-3f2a4f0c1d11",
        "area": "DE_LU",
        "data_type": "day_ahead_price",
        "window": {"start": "2024-03-01T00:00:00", "end": "2024-03-02T00:00:00Z"},
    }

    rejected = await _reject_one(nats_url, js, json.dumps(command).encode())

    assert rejected.reason.startswith("window.start: naive datetime 2024-03-01T00:00:00 is not")
    assert str(rejected.causation_id) == command["event_id"]
    assert str(rejected.correlation_id) == command["event_id"]
    assert rejected.command_id == "bad-command-1"
