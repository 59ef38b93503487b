"""Heartbeat: ServiceHeartbeat events reach a real JetStream stream at the configured interval."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from gridstream.contracts import EVT_STREAM, ServiceHeartbeat
from gridstream.runtime.heartbeat import Heartbeat
from gridstream.testing import wait_until

INTERVAL = 0.4


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    client = await nats.connect(nats_url)
    context = client.jetstream()
    await context.add_stream(
        StreamConfig(
            name=EVT_STREAM.name,
            subjects=list(EVT_STREAM.subjects),
            duplicate_window=EVT_STREAM.duplicate_window.total_seconds(),
        )
    )
    yield context
    await client.close()


async def _heartbeats(js: JetStreamContext) -> list[ServiceHeartbeat]:
    info = await js.stream_info(EVT_STREAM.name)
    found = []
    for seq in range(1, info.state.last_seq + 1):
        message = await js.get_msg(EVT_STREAM.name, seq)
        if message.subject == "gridstream.evt.heartbeat.hbtest":
            found.append(ServiceHeartbeat.model_validate_json(message.data or b""))
    return found


async def test_publishes_at_its_interval_until_stopped(js: JetStreamContext) -> None:
    async def publish(message: ServiceHeartbeat) -> None:
        headers = {"Nats-Msg-Id": str(message.event_id)}
        await js.publish(message.subject(), message.model_dump_json().encode(), headers=headers)

    heartbeat = Heartbeat("hbtest", publish, interval=INTERVAL, version="1.2.3", instance="host-1")
    await heartbeat.start()
    try:
        await wait_until(lambda: _count_at_least(js, 3), timeout=10)
    finally:
        await heartbeat.stop()
    # Nothing can beat after stop: the beating task is finished, not merely asked to stop.
    running = [t for t in asyncio.all_tasks() if t.get_name().startswith("gridstream-heartbeat")]
    assert running == []
    beats = await _heartbeats(js)
    first, second, third = beats[:3]
    assert {b.service for b in beats} == {"hbtest"}
    assert {b.instance for b in beats} == {"host-1"}
    assert {b.version for b in beats} == {"1.2.3"}
    assert {b.started_at for b in beats} == {heartbeat.started_at}
    assert first.interval_seconds == INTERVAL
    for earlier, later in ((first, second), (second, third)):
        gap = (later.occurred_at - earlier.occurred_at).total_seconds()
        assert INTERVAL * 0.75 <= gap <= INTERVAL * 3


async def _count_at_least(js: JetStreamContext, n: int) -> bool:
    return len(await _heartbeats(js)) >= n


async def test_a_failed_beat_does_not_stop_the_next() -> None:
    attempts: list[ServiceHeartbeat] = []

    async def flaky(message: ServiceHeartbeat) -> None:
        attempts.append(message)
        if len(attempts) == 1:
            raise ConnectionError("broker down")

    heartbeat = Heartbeat("hbtest", flaky, interval=0.05)
    assert await heartbeat.beat() is False
    assert await heartbeat.beat() is True
    await heartbeat.start()
    await wait_until(lambda: len(attempts) >= 4, timeout=5)
    await heartbeat.stop()
    assert len({a.event_id for a in attempts}) == len(attempts)


def test_interval_must_be_positive() -> None:
    async def publish(message: ServiceHeartbeat) -> None:
        raise AssertionError("not called")

    with pytest.raises(ValueError, match="must be positive"):
        Heartbeat("hbtest", publish, interval=0)
