"""A firing round: every schedule due fires in one transaction, commands queued before their
ScheduleFired events, and the open-fire lookups answered from the partial index of open fires."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy import text as sql

from gridstream.contracts import ScheduleFired
from gridstream.runtime import create_engine
from gridstream.scheduler.app import Scheduler
from gridstream.testing import MessageLog

from .support import SCHEMA, Clock, admin, every, rows

Run = Callable[..., AbstractAsyncContextManager[Scheduler]]
NAMES = ["round-a", "round-b", "round-c"]


async def test_schedules_due_together_fire_in_one_transaction_commands_first(
    run_scheduler: Run, clock: Clock, events: MessageLog, database_url: str
) -> None:
    async with run_scheduler() as scheduler, admin(scheduler.runner.url) as http:
        for name in NAMES:
            body = every(name, 60, overlap="allow")
            assert (await http.post("/v1/schedules", json=body)).status_code == 201
        fire_time = clock.advance(60)
        scheduler.firing.wake()
        for name in NAMES:
            await events.wait_for(ScheduleFired, schedule=name, fire_time=fire_time)

    # xmin: the transaction that wrote the row (no outcome came, so nothing rewrote the fires).
    written = await rows(
        database_url,
        "SELECT xmin::text AS tx FROM fires WHERE fire_time = :t "
        "UNION ALL SELECT xmin::text FROM schedules WHERE name = ANY(:names)",
        t=fire_time,
        names=NAMES,
    )
    assert len(written) == 2 * len(NAMES)
    assert len({row["tx"] for row in written}) == 1
    queued = await rows(database_url, "SELECT subject FROM outbox ORDER BY id")
    subjects = [row["subject"] for row in queued if "heartbeat" not in row["subject"]]
    kinds = ["cmd" if ".cmd." in s else "evt" for s in subjects]
    assert kinds == ["cmd"] * len(NAMES) + ["evt"] * len(NAMES), subjects


OPEN_STATE = """
EXPLAIN SELECT EXISTS (SELECT 1 FROM fires WHERE schedule = 'busy' AND status = 'published'
    AND (command_type IS NULL OR command_type NOT IN ('ReportRequested'))),
  (SELECT fire_time FROM fires WHERE schedule = 'busy' AND status = 'buffered' LIMIT 1)
"""
HISTORY = """
INSERT INTO fires (schedule, fire_time, status, recorded_at, command_type)
SELECT 'busy', timestamptz '2025-01-01' + g * interval '1 second', 'succeeded', now(),
       'CollectionRequested'
FROM generate_series(1, 20000) AS g RETURNING 1
"""


async def test_open_fire_lookups_use_the_partial_index_of_open_fires(
    run_scheduler: Run, database_url: str
) -> None:
    async with run_scheduler():
        pass  # migrated
    await rows(database_url, HISTORY)
    engine = create_engine(database_url, SCHEMA)
    try:
        async with engine.begin() as conn:
            await conn.execute(sql("SET LOCAL enable_seqscan = off"))  # whatever the statistics
            plan = "\n".join(row[0] for row in await conn.execute(sql(OPEN_STATE)))
    finally:
        await engine.dispose()
    assert "fires_open_state_idx" in plan, plan
    # The status is part of the index lookup, not a filter on rows read from the table.
    assert "Index Cond: ((schedule = 'busy'::text) AND (status = 'buffered'::text))" in plan, plan
