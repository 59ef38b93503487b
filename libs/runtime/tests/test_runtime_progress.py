"""Long handlers against a real JetStream server: kept in progress, never handed to a second replica."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import nats
import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from gridstream.contracts import CMD_STREAM, DLQ_STREAM, GapScanRequested
from gridstream.runtime.broker import build_broker, durable_name, durable_subscriber
from gridstream.runtime.publishing import message_headers, message_payload
from gridstream.runtime.streams import ensure_streams
from gridstream.testing import wait_until

SERVICE = "progresstest"
SUBJECT = "gridstream.cmd.gapscan"
ACK_WAIT = 1.0
WORK_SECONDS = 3 * ACK_WAIT


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    client = await nats.connect(nats_url)
    context = client.jetstream()
    await ensure_streams(context)
    yield context
    await client.close()


def _replica(nats_url: str, handled: list[tuple[str, str]], name: str) -> NatsBroker:
    """One replica of the service: a slow handler for real commands, a quick one for markers."""
    broker = build_broker(
        nats_url=nats_url,
        service=SERVICE,
        max_deliver=1,
        retry_base_delay=0.2,
        retry_max_delay=1.0,
    )

    @durable_subscriber(broker, SUBJECT, service=SERVICE, ack_wait=ACK_WAIT, batch_size=1)
    async def handle(command: GapScanRequested) -> None:
        if command.source != "marker":
            await asyncio.sleep(WORK_SECONDS)  # a long ENTSO-E answer, say
        handled.append((name, command.source))

    return broker


async def _publish(js: JetStreamContext, command: GapScanRequested) -> int:
    ack = await js.publish(
        SUBJECT,
        message_payload(command),
        headers={**message_headers(command), "Nats-Msg-Id": str(command.event_id)},
        stream=CMD_STREAM.name,
    )
    return int(ack.seq)


async def test_a_handler_longer_than_ack_wait_is_handled_once_by_one_replica(
    nats_url: str, js: JetStreamContext
) -> None:
    handled: list[tuple[str, str]] = []
    replicas = [_replica(nats_url, handled, name) for name in ("a", "b")]
    consumer = durable_name(SERVICE, SUBJECT)
    for replica in replicas:
        await replica.start()
    try:
        await _publish(js, GapScanRequested(source="slow"))
        await wait_until(lambda: len(handled) == 1, timeout=WORK_SECONDS + 20)
        # Published after the slow command was handled: once it is acknowledged, every delivery
        # of the slow command has been settled too.
        marker_seq = await _publish(js, GapScanRequested(source="marker"))
        await wait_until(lambda: _acked_through(js, consumer, marker_seq), timeout=20)
        info = await js.consumer_info(CMD_STREAM.name, consumer)
    finally:
        for replica in replicas:
            await replica.stop()

    assert sorted(source for _, source in handled) == ["marker", "slow"]
    assert info.delivered.consumer_seq == 2  # one delivery each: the slow one never came back
    assert info.config.max_deliver == -1
    assert (await js.stream_info(DLQ_STREAM.name)).state.messages == 0


async def _acked_through(js: JetStreamContext, consumer: str, seq: int) -> bool:
    info = await js.consumer_info(CMD_STREAM.name, consumer)
    return bool(info.ack_floor.stream_seq >= seq and info.num_ack_pending == 0)
