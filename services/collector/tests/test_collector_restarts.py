"""The collector rides out a restart of NATS or of PostgreSQL: later commands are handled as usual."""

from nats.aio.client import Client

from gridstream.contracts import CollectionCompleted, DataReady
from gridstream.testing import NatsServer, PostgresServer, wait_until

from .support import Harness, load_command, scalar, send


async def test_nats_restart(
    h: Harness,
    nats_server: NatsServer,
) -> None:
    async with h.run():
        first = load_command()
        await send(h.nats, first)
        await h.events.wait_for(CollectionCompleted, correlation_id=first.event_id)
        nats_server.restart()
        await wait_until(lambda: _jetstream_answers(h.nats), timeout=30, description="NATS")
        second = load_command()
        await send(h.nats, second)
        [done] = await h.events.wait_for(
            CollectionCompleted, correlation_id=second.event_id, within=60
        )
    assert done.points_written == 0  # the same day again: stored once, announced once
    assert len(h.events.of(DataReady)) == 1
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == 96


async def test_database_restart(
    h: Harness,
    postgres_server: PostgresServer,
) -> None:
    async with h.run():
        first = load_command()
        await send(h.nats, first)
        await h.events.wait_for(CollectionCompleted, correlation_id=first.event_id)
        postgres_server.restart()
        second = load_command()
        await send(h.nats, second)
        await h.events.wait_for(CollectionCompleted, correlation_id=second.event_id, within=60)
    assert len(h.events.of(CollectionCompleted)) == 2
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == 96


async def _jetstream_answers(client: Client) -> bool:
    try:
        await client.jetstream().stream_info("GRIDSTREAM_CMD")
    except Exception:
        return False
    return True
