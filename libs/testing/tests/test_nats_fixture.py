"""The NATS fixtures give each test a clean, real JetStream server that can be stopped and restarted."""

from __future__ import annotations

import uuid

import nats
import pytest

from gridstream.testing import NatsServer, wait_until


async def test_duplicate_msg_id_is_stored_once(nats_url: str) -> None:
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        await js.add_stream(name="DEDUP", subjects=["dedup.>"])
        first = await js.publish("dedup.a", b"1", headers={"Nats-Msg-Id": "event-1"})
        second = await js.publish("dedup.a", b"1", headers={"Nats-Msg-Id": "event-1"})
        assert not first.duplicate
        assert second.duplicate
        info = await js.stream_info("DEDUP")
        assert info.state.messages == 1
    finally:
        await client.close()


@pytest.mark.parametrize("run", [1, 2])
async def test_each_test_starts_with_empty_jetstream(nats_url: str, run: int) -> None:
    client = await nats.connect(nats_url)
    try:
        manager = client.jsm()
        assert await manager.streams_info() == []
        js = client.jetstream()
        await js.add_stream(name="ISOLATION", subjects=["isolation.>"])
        await js.publish("isolation.x", str(run).encode())
        kv = await js.create_key_value(bucket="isolation")
        await kv.put("run", str(run).encode())
    finally:
        await client.close()


async def test_stream_survives_restart(nats_server: NatsServer) -> None:
    if nats_server.external:
        pytest.skip("needs the embedded server")
    url_before = nats_server.url
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        await js.add_stream(name="DURABLE", subjects=["durable.>"])
        for number in range(3):
            await js.publish("durable.x", str(number).encode())
    finally:
        await client.close()

    nats_server.restart()

    assert nats_server.url == url_before
    client = await nats.connect(nats_server.url)
    try:
        info = await client.jetstream().stream_info("DURABLE")
        assert info.state.messages == 3
    finally:
        await client.close()


async def test_client_publishes_again_after_broker_was_down(nats_server: NatsServer) -> None:
    client = await nats.connect(
        nats_server.url, reconnect_time_wait=0.05, max_reconnect_attempts=-1
    )
    try:
        js = client.jetstream()
        await js.add_stream(name="OUTAGE", subjects=["outage.>"])
        nats_server.stop()
        await wait_until(
            lambda: not client.is_connected, timeout=5, description="client sees outage"
        )
        nats_server.start()
        await wait_until(lambda: client.is_connected, timeout=10, description="client reconnects")
        ack = await js.publish("outage.x", uuid.uuid4().bytes)
        assert ack.seq == 1
    finally:
        await client.close()
