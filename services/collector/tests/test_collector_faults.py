"""A flaky ENTSO-E (simulator faults): retried and completed, or failed once and for good."""

import asyncio
from datetime import timedelta

import httpx
from pydantic import SecretStr

from gridstream.contracts import (
    CollectionCompleted,
    CollectionFailed,
    DataReady,
    isoformat_z,
)

from .support import (
    DAY,
    Harness,
    commands_settled,
    load_command,
    outbox_drained,
    refuse_observations,
    scalar,
    send,
)


async def test_503_and_429_are_retried_then_completed(
    h: Harness,
) -> None:
    await h.sim.admin(
        "POST",
        "/admin/faults",
        [
            {"kind": "http_503", "document_type": "A65", "next_n": 2},
            {"kind": "http_429", "document_type": "A65", "requests": [3, 3], "retry_after": 1},
        ],
    )
    command = load_command()
    async with h.run(entsoe_max_retries=4):
        await send(h.nats, command)
        [done] = await h.events.wait_for(CollectionCompleted, correlation_id=command.event_id)
    statuses = (await h.sim.admin("GET", "/admin/stats"))["by_status"]
    assert statuses == {"503": 2, "429": 1, "200": 1}
    assert done.requests == 4
    assert done.points_written == 96
    assert h.events.of(CollectionFailed) == []


async def test_retries_exhausted_inside_a_delivery_go_through_jetstream(
    h: Harness,
) -> None:
    await h.sim.admin(
        "POST", "/admin/faults", {"kind": "http_503", "document_type": "A65", "next_n": 3}
    )
    command = load_command()
    async with h.run(entsoe_max_retries=1):
        await send(h.nats, command)
        await h.events.wait_for(CollectionCompleted, correlation_id=command.event_id, within=30)
    failed = h.events.of(CollectionFailed)
    assert [(f.attempt, f.will_retry, f.error_kind) for f in failed] == [(1, True, "transient")]
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == 96


async def test_unauthorised_is_one_final_failure(
    h: Harness,
) -> None:
    command, marker = load_command(), load_command()
    async with h.run(entsoe_api_token=SecretStr("not-the-token")):
        await send(h.nats, command)
        [failed] = await h.events.wait_for(CollectionFailed, correlation_id=command.event_id)
        await commands_settled(h.nats, delivered=1)
        # A later command fails too: by then a retry of the first would have shown up.
        await send(h.nats, marker)
        await h.events.wait_for(CollectionFailed, correlation_id=marker.event_id)
        await commands_settled(h.nats, delivered=2)
    assert (failed.error_kind, failed.will_retry, failed.attempt) == ("auth", False, 1)
    assert "not-the-token" not in failed.model_dump_json()
    assert len(h.sim.requests) == 2
    assert len(h.events.of(CollectionFailed)) == 2
    assert h.events.of(CollectionCompleted) == []


async def test_truncated_xml_writes_nothing_and_fails_as_parse(
    h: Harness,
) -> None:
    await h.sim.admin("POST", "/admin/faults", {"kind": "truncate", "document_type": "A65"})
    command = load_command()
    async with h.run(max_deliver=2):
        await send(h.nats, command)
        failed = await h.events.wait_for(CollectionFailed, count=2, correlation_id=command.event_id)
        await outbox_drained(h.database_url)
    assert [(f.error_kind, f.attempt, f.will_retry) for f in failed] == [
        ("parse", 1, True),
        ("parse", 2, False),
    ]
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == 0
    assert await scalar(h.database_url, "SELECT count(*) FROM series") == 0
    dead = await h.nats.jetstream().stream_info("GRIDSTREAM_DLQ")
    assert dead.state.messages == 1


async def test_revision_is_kept_and_as_of_reads_the_old_value(
    h: Harness,
) -> None:
    first, second = load_command(), load_command()
    revised_from = DAY.start + timedelta(hours=6)
    async with h.run() as collector:
        await send(h.nats, first)
        await h.events.wait_for(CollectionCompleted, correlation_id=first.event_id)
        await outbox_drained(h.database_url)
        before_revision = isoformat_z(h.events.of(CollectionCompleted)[0].occurred_at)
        await asyncio.sleep(0.05)
        await h.sim.admin(
            "POST",
            "/admin/faults",
            {
                "kind": "revision",
                "start": isoformat_z(revised_from),
                "end": isoformat_z(revised_from + timedelta(hours=1)),
                "factor": 1.1,
            },
        )
        await send(h.nats, second)
        [done] = await h.events.wait_for(CollectionCompleted, correlation_id=second.event_id)
        [revised] = await h.events.wait_for(DataReady, correlation_id=second.event_id)
        async with httpx.AsyncClient(base_url=collector.runner.url) as http:
            [series] = (await http.get("/v1/series", params={"area": "NL"})).json()
            window = {"start": isoformat_z(DAY.start), "end": isoformat_z(DAY.end)}
            now = (await http.get(f"/v1/series/{series['id']}/points", params=window)).json()
            then = (
                await http.get(
                    f"/v1/series/{series['id']}/points",
                    params={**window, "as_of": before_revision},
                )
            ).json()
    assert (done.points_written, done.points_changed) == (0, 4)
    assert revised.revision is True
    assert [ts for ts, _ in revised.points] == [
        revised_from + timedelta(minutes=15 * i) for i in range(4)
    ]
    assert await scalar(h.database_url, "SELECT count(*) FROM revisions") == 4
    old = {p[0]: p[1] for p in then["points"]}
    new = {p[0]: p[1] for p in now["points"]}
    changed = [ts for ts in new if new[ts] != old[ts]]
    assert changed == [isoformat_z(ts) for ts, _ in revised.points]
    for ts in changed:
        assert abs(new[ts] - old[ts] * 1.1) < 1e-6 * abs(new[ts]) + 1e-3


async def test_an_internal_failure_is_announced_retried_and_dead_lettered(
    h: Harness,
) -> None:
    command = load_command()
    async with h.run(max_deliver=2):
        await outbox_drained(h.database_url)  # migrated: the tables exist
        await refuse_observations(h.database_url)
        await send(h.nats, command)
        failed = await h.events.wait_for(CollectionFailed, count=2, correlation_id=command.event_id)
        await outbox_drained(h.database_url)
    assert [(f.error_kind, f.attempt, f.will_retry) for f in failed] == [
        ("internal", 1, True),
        ("internal", 2, False),
    ]
    assert "observations are read-only today" in failed[0].message
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == 0
    dead = await h.nats.jetstream().stream_info("GRIDSTREAM_DLQ")
    assert dead.state.messages == 1


async def test_a_dead_lettered_command_replayed_after_the_fix_is_collected(
    h: Harness,
) -> None:
    # Deliveries used up: the command is dead-lettered, not recorded as processed (inbox), so
    # replaying it with the same event id once ENTSO-E answers again collects it.
    await h.sim.admin("POST", "/admin/faults", {"kind": "http_503", "document_type": "A65"})
    command = load_command()
    async with h.run(entsoe_max_retries=0, max_deliver=2):
        await send(h.nats, command)
        await h.events.wait_for(
            CollectionFailed, correlation_id=command.event_id, will_retry=False, within=30
        )
        await commands_settled(h.nats, delivered=1)
        await h.sim.admin("DELETE", "/admin/faults")
        ack = await h.nats.jetstream().publish(
            command.subject(),
            command.model_dump_json().encode(),
            headers={"Nats-Msg-Id": f"replay-{command.event_id}"},
            timeout=5,
        )
        assert ack.duplicate is None
        [done] = await h.events.wait_for(
            CollectionCompleted, correlation_id=command.event_id, within=30
        )
    assert done.points_written == 96
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == 96
