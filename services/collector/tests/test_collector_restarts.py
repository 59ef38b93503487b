"""The collector rides out a restart of NATS or of PostgreSQL: later commands are handled as usual."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from nats.aio.client import Client

from gridstream.collector.app import Collector
from gridstream.contracts import CollectionCompleted, DataReady
from gridstream.testing import NatsServer, PostgresServer, wait_until

from .support import EventLog, Sim, load_command, scalar, send


async def test_nats_restart(
    run_collector: Callable[..., AbstractAsyncContextManager[Collector]],
    nats_server: NatsServer,
    nats_client: Client,
    events: EventLog,
    database_url: str,
    sim: Sim,
) -> None:
    async with run_collector():
        first = load_command()
        await send(nats_client, first)
        await events.wait_for(CollectionCompleted, correlation_id=first.event_id)
        nats_server.restart()
        await wait_until(lambda: _jetstream_answers(nats_client), timeout=30, description="NATS")
        second = load_command()
        await send(nats_client, second)
        [done] = await events.wait_for(
            CollectionCompleted, correlation_id=second.event_id, within=60
        )
    assert done.points_written == 0  # the same day again: stored once, announced once
    assert len(events.of(DataReady)) == 1
    assert await scalar(database_url, "SELECT count(*) FROM observations") == 96


async def test_database_restart(
    run_collector: Callable[..., AbstractAsyncContextManager[Collector]],
    postgres_server: PostgresServer,
    nats_client: Client,
    events: EventLog,
    database_url: str,
    sim: Sim,
) -> None:
    async with run_collector():
        first = load_command()
        await send(nats_client, first)
        await events.wait_for(CollectionCompleted, correlation_id=first.event_id)
        postgres_server.restart()
        second = load_command()
        await send(nats_client, second)
        await events.wait_for(CollectionCompleted, correlation_id=second.event_id, within=60)
    assert len(events.of(CollectionCompleted)) == 2
    assert await scalar(database_url, "SELECT count(*) FROM observations") == 96


async def _jetstream_answers(client: Client) -> bool:
    try:
        await client.jetstream().stream_info("GRIDSTREAM_CMD")
    except Exception:
        return False
    return True
