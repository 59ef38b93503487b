"""Collection commands under redelivery, crashes and invalid input: nothing lost, nothing doubled."""

from uuid import UUID

from pydantic import SecretStr

from gridstream.collector.app import MIGRATIONS
from gridstream.collector.collect import CollectDeps, collect
from gridstream.collector.entsoe.client import EntsoeClient
from gridstream.collector.planning import PlanningPolicy
from gridstream.contracts import (
    BackfillCompleted,
    BackfillRequested,
    CollectionCompleted,
    CommandRejected,
    DataReady,
    utcnow,
)
from gridstream.runtime import (
    create_engine,
    ensure_streams,
    run_migrations,
    session_maker,
)

from .support import (
    DAY,
    SIM_TOKEN,
    Harness,
    commands_settled,
    execute,
    load_command,
    outbox_drained,
    scalar,
    send,
    send_raw,
)


async def test_same_command_delivered_twice_is_stored_and_announced_once(
    h: Harness,
) -> None:
    command = load_command()
    async with h.run():
        await send(h.nats, command)
        # The same payload again under another Nats-Msg-Id: a redelivery JetStream cannot dedupe.
        await send_raw(h.nats, command.subject(), command.model_dump(mode="json"))
        await commands_settled(h.nats, delivered=2)
        await outbox_drained(h.database_url)
    # Run one after the other, the second delivery finds the command in the inbox and fetches
    # nothing; run side by side, both fetch and the second one's transaction writes nothing.
    assert 1 <= len(h.sim.windows("A65")) <= 2
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == 96
    assert await scalar(h.database_url, "SELECT count(*) FROM revisions") == 0
    completed = h.events.of(CollectionCompleted)
    assert len(completed) == 1
    assert completed[0].points_written == 96
    ready = h.events.of(DataReady)
    assert len(ready) == 1
    assert len(ready[0].points) == 96
    assert ready[0].correlation_id == command.event_id


async def test_a_command_republished_after_it_completed_changes_nothing(h: Harness) -> None:
    command, marker = load_command(), load_command()
    async with h.run():
        await send(h.nats, command)
        await h.events.wait_for(CollectionCompleted, correlation_id=command.event_id)
        await outbox_drained(h.database_url)
        # Published rows purged (outbox retention), then the command comes back under another
        # Nats-Msg-Id: neither the outbox nor JetStream's duplicate window can recognise it.
        await execute(h.database_url, "DELETE FROM outbox WHERE published_at IS NOT NULL")
        await send_raw(h.nats, command.subject(), command.model_dump(mode="json"))
        await send(h.nats, marker)
        await h.events.wait_for(CollectionCompleted, correlation_id=marker.event_id)
        await commands_settled(h.nats, delivered=3)
        queued = await _queued_for(h.database_url, command.event_id)
    assert len(h.sim.windows("A65")) == 2, "the republished command was fetched again"  # + marker
    assert len(h.events.of(CollectionCompleted)) == 2
    assert queued == 0, "the republished command queued its events again"


async def test_a_backfill_republished_after_it_completed_is_not_announced_again(
    h: Harness,
) -> None:
    first = BackfillRequested(area="NL", data_type="actual_load", window=DAY)
    covered = BackfillRequested(area="NL", data_type="actual_load", window=DAY)
    marker = BackfillRequested(area="NL", data_type="actual_load", window=DAY)
    async with h.run():
        await send(h.nats, first)
        await h.events.wait_for(BackfillCompleted, correlation_id=first.event_id)
        await send(h.nats, covered)  # covered by the first: completed at once, jobs_total=0
        await h.events.wait_for(BackfillCompleted, correlation_id=covered.event_id)
        await outbox_drained(h.database_url)
        await execute(h.database_url, "DELETE FROM outbox WHERE published_at IS NOT NULL")
        await send_raw(h.nats, covered.subject(), covered.model_dump(mode="json"))
        await send(h.nats, marker)
        await h.events.wait_for(BackfillCompleted, correlation_id=marker.event_id)
        queued = await _queued_for(h.database_url, covered.event_id)
    assert queued == 0, "the republished backfill announced BackfillCompleted again"
    assert len(h.sim.windows("A65")) == 1


async def _queued_for(database_url: str, command_id: UUID) -> int:
    """Outbox rows (left after the purge) of events caused by one command."""
    return await scalar(
        database_url,
        f"SELECT count(*) FROM outbox WHERE convert_from(payload, 'UTF8') LIKE '%{command_id}%'",
    )


async def test_crash_after_commit_before_publish_still_publishes_once(
    h: Harness,
) -> None:
    command = load_command()
    # A first collector process took the command, committed data and h.events, and died before
    # its relay published anything and before it acked: run exactly that part of it by hand.
    engine = create_engine(h.database_url, "collector")
    await run_migrations(engine, "collector", MIGRATIONS)
    async with EntsoeClient(f"{h.sim.url}/api", SecretStr(SIM_TOKEN)) as client:
        deps = CollectDeps(session_maker(engine), client, utcnow, PlanningPolicy())
        crashed = await collect(deps, command)
    await engine.dispose()
    await ensure_streams(h.nats.jetstream())
    assert crashed is not None
    assert crashed.points_written == 96
    assert await scalar(h.database_url, "SELECT count(*) FROM outbox") == 2
    await send(h.nats, command)  # still unacknowledged: JetStream delivers it again

    async with h.run():
        await commands_settled(h.nats, delivered=1)
        await outbox_drained(h.database_url)
        await h.events.wait_for(CollectionCompleted, correlation_id=command.event_id)
        await h.events.wait_for(DataReady, correlation_id=command.event_id)
    assert [e.event_id for e in h.events.of(CollectionCompleted)] == [crashed.event_id]
    assert len(h.events.of(DataReady)) == 1
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == 96


async def test_invalid_command_is_rejected_once_naming_the_field(
    h: Harness,
) -> None:
    async with h.run():
        body = load_command().model_dump(mode="json")
        body["window"]["start"] = "2025-03-10T23:00:00"  # naive
        await send_raw(h.nats, "gridstream.cmd.collect.NL.actual_load", body)
        await send_raw(h.nats, "gridstream.cmd.collect.XX.actual_load", {"area": "XX"})
        rejected = await h.events.wait_for(CommandRejected, count=2)
        await commands_settled(h.nats, delivered=2)
    reasons = sorted(r.reason for r in rejected)
    assert any("window.start" in r and "naive datetime" in r for r in reasons), reasons
    assert any("area" in r and "unknown area 'XX'" in r for r in reasons), reasons
    assert len(h.events.of(CommandRejected)) == 2
    assert h.sim.requests == []
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == 0
