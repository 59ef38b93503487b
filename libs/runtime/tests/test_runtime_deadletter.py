"""Dead letters per consumer against a real JetStream server: each consumer that gives up keeps its copy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from functools import partial

import nats
import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from gridstream.contracts import DLQ_STREAM, EVT_STREAM, GapScanRequested, ScheduleFired, utcnow
from gridstream.runtime.broker import build_broker, durable_name, durable_subscriber
from gridstream.runtime.errors import PermanentError
from gridstream.runtime.publishing import publish
from gridstream.runtime.streams import ensure_streams
from gridstream.testing import wait_until

SUBSCRIPTION = "gridstream.evt.schedule.fired.*"


class RefusedError(PermanentError):
    """A consumer that cannot use the event at all."""


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    client = await nats.connect(nats_url)
    yield client.jetstream()
    await client.close()


def _refusing_broker(nats_url: str, service: str, calls: list[str]) -> NatsBroker:
    """A service whose consumer of SUBSCRIPTION refuses every event (a PermanentError)."""
    broker = build_broker(
        nats_url=nats_url,
        service=service,
        max_deliver=3,
        retry_base_delay=0.2,
        retry_max_delay=1.0,
    )

    @durable_subscriber(broker, SUBSCRIPTION, service=service)
    async def handle(event: ScheduleFired) -> None:
        calls.append(service)
        raise RefusedError(f"{service} cannot use {event.schedule}")

    return broker


def _fired() -> ScheduleFired:
    command = GapScanRequested(source="scheduler")
    return ScheduleFired(
        source="scheduler",
        schedule="nightly",
        fire_time=utcnow(),
        command_subject=command.subject(),
        command_id=command.event_id,
    )


async def _acked_through(js: JetStreamContext, stream: str, consumer: str, seq: int) -> bool:
    """Every message of ``stream`` up to ``seq`` is acknowledged or terminated by ``consumer``."""
    info = await js.consumer_info(stream, consumer)
    return bool(info.ack_floor.stream_seq >= seq)


async def _letters(js: JetStreamContext) -> list[dict[str, str]]:
    info = await js.stream_info(DLQ_STREAM.name)
    letters = [await js.get_msg(DLQ_STREAM.name, seq) for seq in range(1, info.state.messages + 1)]
    return [dict(letter.headers or {}) for letter in letters]


async def test_two_services_giving_up_on_one_event_leave_two_dead_letters(
    nats_url: str, js: JetStreamContext
) -> None:
    calls: list[str] = []
    services = ("dlqalpha", "dlqbeta")
    consumers = {service: durable_name(service, SUBSCRIPTION) for service in services}
    event = _fired()
    async with AsyncExitStack() as stack:
        for service in services:
            broker = _refusing_broker(nats_url, service, calls)
            await broker.start()
            stack.push_async_callback(broker.stop)
        await ensure_streams(js)
        await publish(broker, event)
        for consumer in consumers.values():
            await wait_until(partial(_acked_through, js, EVT_STREAM.name, consumer, 1))

    assert sorted(calls) == sorted(services)
    letters = await _letters(js)
    assert sorted(h["Gridstream-Dlq-Consumer"] for h in letters) == sorted(consumers.values())
    for headers in letters:
        consumer = headers["Gridstream-Dlq-Consumer"]
        assert headers["Nats-Msg-Id"] == f"dlq:{EVT_STREAM.name}:1:{consumer}"
        assert headers["Gridstream-Dlq-Original-Msg-Id"] == str(event.event_id)


async def test_a_copy_stored_by_another_stream_does_not_drop_the_original(
    nats_url: str, js: JetStreamContext
) -> None:
    """Only a PubAck from GRIDSTREAM_DLQ lets the original go: otherwise it is kept and retried."""
    calls: list[str] = []
    broker = _refusing_broker(nats_url, "dlqgamma", calls)
    consumer = durable_name("dlqgamma", SUBSCRIPTION)
    await js.add_stream(StreamConfig(name="IMPOSTOR", subjects=["gridstream.dlq.>"]))
    try:
        await broker.start()  # declares the event stream only: dead letters reach the impostor
        await publish(broker, _fired())
        await wait_until(lambda: len(calls) >= 2)  # forwarding failed: naked and redelivered
        await js.delete_stream("IMPOSTOR")
        await ensure_streams(js)
        await wait_until(lambda: _acked_through(js, EVT_STREAM.name, consumer, 1))
    finally:
        await broker.stop()

    (letter,) = await _letters(js)
    assert letter["Gridstream-Dlq-Consumer"] == consumer
