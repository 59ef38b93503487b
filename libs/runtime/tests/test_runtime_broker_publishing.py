"""Publishing and streams against a real JetStream server: dedup, failures, trace headers, configs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import nats
import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy
from opentelemetry.sdk.trace import TracerProvider

from gridstream.contracts import (
    CMD_STREAM,
    DLQ_STREAM,
    EVT_STREAM,
    STREAMS,
    ScheduleFired,
    rpc_subject,
)
from gridstream.runtime.broker import build_broker
from gridstream.runtime.errors import PublishFailedError
from gridstream.runtime.publishing import publish, publish_raw
from gridstream.runtime.streams import ensure_streams, stream_config

SERVICE = "pubtest"


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    client = await nats.connect(nats_url)
    yield client.jetstream()
    await client.close()


@pytest.fixture
async def broker(nats_url: str) -> AsyncIterator[NatsBroker]:
    broker = _broker(nats_url)
    await broker.connect()
    yield broker
    await broker.stop()


def _broker(nats_url: str, tracer_provider: TracerProvider | None = None) -> NatsBroker:
    return build_broker(
        nats_url=nats_url,
        service=SERVICE,
        max_deliver=3,
        retry_base_delay=0.1,
        retry_max_delay=1.0,
        tracer_provider=tracer_provider,
    )


def _fired() -> ScheduleFired:
    return ScheduleFired(
        source=SERVICE,
        schedule="hourly-prices",
        fire_time=datetime(2024, 3, 1, 12, tzinfo=UTC),
        command_subject="gridstream.cmd.collect.DE_LU.day_ahead_price",
        command_id="0b5e2c9e-8f0a-4a55-9d55-3f2a4f0c1d11",
    )


async def test_same_event_twice_is_stored_once(broker: NatsBroker, js: JetStreamContext) -> None:
    await ensure_streams(js)
    event = _fired()

    first = await publish(broker, event)
    second = await publish(broker, event)

    assert (first, second) == (False, True)
    info = await js.stream_info(EVT_STREAM.name)
    assert info.state.messages == 1
    stored = await js.get_msg(EVT_STREAM.name, 1)
    headers = stored.headers or {}
    assert stored.subject == "gridstream.evt.schedule.fired.hourly-prices"
    assert headers["Nats-Msg-Id"] == str(event.event_id)
    assert stored.data is not None
    assert ScheduleFired.model_validate_json(stored.data) == event


async def test_publish_raw_dedups_by_msg_id(broker: NatsBroker, js: JetStreamContext) -> None:
    await ensure_streams(js)
    subject = "gridstream.evt.heartbeat.pubtest"

    assert not await publish_raw(broker, subject, b"{}", {"x-test": "1"}, "row-1")
    assert await publish_raw(broker, subject, b"{}", {"x-test": "1"}, "row-1")
    assert not await publish_raw(broker, subject, b"{}", {"x-test": "1"}, "row-2")

    info = await js.stream_info(EVT_STREAM.name)
    assert info.state.messages == 2


async def test_publish_without_stream_raises_publish_failed(broker: NatsBroker) -> None:
    with pytest.raises(PublishFailedError, match="GRIDSTREAM_EVT"):
        await publish(broker, _fired(), timeout=1.0)


async def test_subject_outside_every_stream_is_refused(broker: NatsBroker) -> None:
    with pytest.raises(ValueError, match="belongs to no gridstream stream"):
        await publish_raw(broker, rpc_subject("pubtest", "ping"), b"{}", {}, "id-1")


async def test_telemetry_middleware_adds_trace_context(nats_url: str, js: JetStreamContext) -> None:
    await ensure_streams(js)
    broker = _broker(nats_url, tracer_provider=TracerProvider())
    await broker.connect()
    try:
        await publish(broker, _fired())
    finally:
        await broker.stop()

    stored = await js.get_msg(EVT_STREAM.name, 1)
    traceparent = (stored.headers or {}).get("traceparent", "")
    assert traceparent.startswith("00-")
    assert len(traceparent.split("-")) == 4


async def test_ensure_streams_is_idempotent_and_restores_the_canonical_config(
    js: JetStreamContext,
) -> None:
    await ensure_streams(js)
    await ensure_streams(js)
    drifted = stream_config(EVT_STREAM).evolve(max_age=timedelta(hours=1).total_seconds())
    await js.update_stream(drifted)

    await ensure_streams(js)

    for spec in STREAMS:
        config = (await js.stream_info(spec.name)).config
        assert config.subjects == list(spec.subjects)
        assert RetentionPolicy(config.retention) == RetentionPolicy(spec.retention.value)
        assert config.max_age == spec.max_age.total_seconds()
        assert config.duplicate_window == spec.duplicate_window.total_seconds()
    names = {info.config.name for info in await js.streams_info()}
    assert names == {CMD_STREAM.name, EVT_STREAM.name, DLQ_STREAM.name}
