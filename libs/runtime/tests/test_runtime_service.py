"""ServiceRunner: HTTP, a real faststream NATS app, relay and heartbeat started and stopped together."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from faststream import FastStream
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from prometheus_client import CollectorRegistry

from gridstream.contracts import EVT_STREAM, GapScanRequested, ScheduleFired, ServiceHeartbeat
from gridstream.runtime.database import create_engine, session_maker
from gridstream.runtime.heartbeat import Heartbeat
from gridstream.runtime.http import build_health_app, database_check, nats_check
from gridstream.runtime.migrations import run_migrations
from gridstream.runtime.outbox import add_to_outbox, notify_after_commit
from gridstream.runtime.relay import OutboxRelay
from gridstream.runtime.service import ServiceRunner, ServiceStartError
from gridstream.testing import wait_until

SCHEMA = "runnertest"


async def _subjects(js: JetStreamContext) -> list[str]:
    info = await js.stream_info(EVT_STREAM.name)
    if not info.state.messages:
        return []
    return [
        (await js.get_msg(EVT_STREAM.name, seq)).subject or ""
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]


async def test_runs_everything_and_stops_it(nats_url: str, database_url: str) -> None:
    broker = NatsBroker(nats_url, logger=None)
    engine = create_engine(database_url, SCHEMA)
    await run_migrations(engine, SCHEMA)
    maker = session_maker(engine)

    def js() -> JetStreamContext:
        return broker.connection.jetstream()

    async def publish_raw(
        subject: str, payload: bytes, headers: dict[str, str], msg_id: str
    ) -> bool:
        ack = await js().publish(subject, payload, headers={**headers, "Nats-Msg-Id": msg_id})
        return ack.duplicate is True

    async def publish_heartbeat(message: ServiceHeartbeat) -> None:
        await publish_raw(
            message.subject(), message.model_dump_json().encode(), {}, str(message.event_id)
        )

    async def create_stream() -> None:
        config = StreamConfig(name=EVT_STREAM.name, subjects=list(EVT_STREAM.subjects))
        await js().add_stream(config)

    stopped: list[str] = []

    async def dispose() -> None:
        await engine.dispose()
        stopped.append("engine disposed")

    relay = OutboxRelay(maker, publish_raw, poll_interval=30)
    notify_after_commit(maker, relay.notify)
    heartbeat = Heartbeat("runnertest", publish_heartbeat, interval=30)
    app = FastStream(broker, logger=None, after_startup=[create_stream])
    checks = {"nats": nats_check(lambda: broker.connection), "database": database_check(engine)}
    health = build_health_app(checks, CollectorRegistry())
    runner = ServiceRunner(app, health, port=0, background=[relay, heartbeat], on_stop=[dispose])

    async with runner:
        assert runner.port
        async with httpx.AsyncClient(base_url=runner.url, timeout=10) as http:
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/readyz")).status_code == 200
        await wait_until(lambda: _has(js(), "gridstream.evt.heartbeat.runnertest"), timeout=10)

        event = ScheduleFired(
            source="scheduler",
            schedule="daily",
            fire_time=heartbeat.started_at,
            command_subject="gridstream.cmd.gapscan",
            command_id=GapScanRequested().event_id,
        )
        async with maker() as session, session.begin():
            await add_to_outbox(session, event)
        await wait_until(lambda: _has(js(), event.subject()), timeout=5)

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", runner.port), timeout=1).close()
    assert stopped == ["engine disposed"]


async def _has(js: JetStreamContext, subject: str) -> bool:
    return subject in await _subjects(js)


async def test_taken_port_is_a_clear_error(nats_url: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        broker = NatsBroker(nats_url, logger=None)
        runner = ServiceRunner(
            FastStream(broker, logger=None), build_health_app({}, CollectorRegistry()), port=port
        )
        with pytest.raises(ServiceStartError, match=f"cannot listen on 127.0.0.1:{port}"):
            await runner.start()
    await asyncio.sleep(0)


async def test_exit_ends_run(nats_url: str) -> None:
    broker = NatsBroker(nats_url, logger=None)
    runner = ServiceRunner(
        FastStream(broker, logger=None), build_health_app({}, CollectorRegistry()), port=0
    )
    task = asyncio.create_task(runner.run())
    await wait_until(lambda: runner.port is not None and broker.connection.is_connected, timeout=10)
    runner.exit()
    await asyncio.wait_for(task, 10)
