"""Fire precision: N schedules `every: 1`, lateness from each fire time to JetStream's stored time.

One `python -m gridstream.scheduler` process fires; this process reads the stored commands back
through an ordered consumer and takes each one's JetStream timestamp (the time the server stored
it, just before it sent the PubAck). The database says where the time went: the firing loop's
clock at wake-up (``fires.recorded_at``), the start of the fire's transaction (``outbox.created_at``).
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bench.ingest.server import fresh_database
from bench.scheduler.process import environment, scheduler_process
from bench.scheduler.stack import Recorder, Stack, Stored, recording
from bench.scheduler.stats import Spread, utcnow
from gridstream.scheduler.commands import fire_id
from gridstream.testing import sqlalchemy_url

WARMUP = 3.0
"""Seconds skipped after the first fire (the catch-up fire of a fresh start is late by design)."""
_STAGES = """
SELECT f.schedule, f.fire_time, f.status, f.recorded_at, o.created_at
FROM scheduler.fires f LEFT JOIN scheduler.outbox o ON o.event_id = f.command_id
WHERE f.fire_time >= $1 AND f.fire_time < $2
"""


@dataclass(frozen=True)
class PrecisionPlan:
    """How many schedules, for how many seconds; the scheduler settings that differ from defaults."""

    schedules: int
    seconds: int
    settings: dict[str, Any] = field(default_factory=dict)

    def specs(self) -> list[dict[str, Any]]:
        """The schedules: `every: 1`, overlap allow (no collector answers), no coalescing."""
        command = {
            "area": "NL",
            "data_type": "actual_load",
            "window": {"relative": {"last": "PT1H"}},
        }
        return [
            {
                "name": f"precision_{i:02d}",
                "every": 1,
                "command_type": "CollectionRequested",
                "command": command,
                "overlap": "allow",
                "coalesce": False,
                "misfire_grace_seconds": 60,
            }
            for i in range(self.schedules)
        ]


@dataclass
class Precision:
    """The lateness of every measured fire and its stages, plus what the checks found."""

    plan: PrecisionPlan
    start: datetime
    lateness: list[float]
    stages: dict[str, list[float]]
    statuses: dict[str, int]
    duplicates: int
    wrong_window: int
    by_rank: dict[str, Spread]
    postgres: str

    @property
    def expected(self) -> int:
        """Fires the window should hold."""
        return self.plan.schedules * self.plan.seconds

    @property
    def spread(self) -> Spread:
        """Lateness to the JetStream stored time."""
        return Spread.of(self.lateness)


async def measure(stack: Stack, plan: PrecisionPlan) -> Precision:
    """Run one scheduler process for the plan and measure every fire in the window."""
    async with fresh_database(stack.postgres.admin_dsn) as dsn:
        env = environment(sqlalchemy_url(dsn), stack.nats_url, plan.specs(), **plan.settings)
        async with recording(stack.nats_url) as recorder:
            async with scheduler_process(env, stack.folder / "precision.log") as process:
                await process.wait_ready()
                await recorder.wait(lambda: bool(recorder.messages), timeout=60)
                first = utcnow()
                start = first.replace(microsecond=0) + timedelta(seconds=1 + WARMUP)
                ids = _expected_ids(plan, start)
                print(f"  measuring fires from {start:%H:%M:%S} for {plan.seconds} s")
                await recorder.wait(
                    lambda: len({m.event_id for m in recorder.messages} & ids.keys()) >= len(ids),
                    timeout=plan.seconds + WARMUP + 60,
                )
            rows, version = await _stage_rows(dsn, start, start + timedelta(seconds=plan.seconds))
        return _analyse(plan, start, ids, recorder, rows, version)


def _expected_ids(plan: PrecisionPlan, start: datetime) -> dict[str, tuple[str, datetime]]:
    names = [spec["name"] for spec in plan.specs()]
    times = [start + timedelta(seconds=s) for s in range(plan.seconds)]
    return {str(fire_id(name, t)): (name, t) for name in names for t in times}


async def _stage_rows(dsn: str, start: datetime, end: datetime) -> tuple[list[Any], str]:
    """The fires of the window with their stage times; the server's version and durability."""
    asyncpg = importlib.import_module("asyncpg")  # untyped package: keep it Any
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        settings = [
            f"{name}={await connection.fetchval(f'SHOW {name}')}"
            for name in ("fsync", "synchronous_commit")
        ]
        version = await connection.fetchval("SHOW server_version")
        rows = list(await connection.fetch(_STAGES, start, end))
        return rows, f"PostgreSQL {version} ({', '.join(settings)})"
    finally:
        await connection.close()


def _analyse(
    plan: PrecisionPlan,
    start: datetime,
    ids: dict[str, tuple[str, datetime]],
    recorder: Recorder,
    rows: list[Any],
    postgres: str,
) -> Precision:
    seen: dict[str, Stored] = {}
    duplicates = wrong_window = 0
    for message in recorder.messages:
        if message.event_id not in ids:
            continue
        duplicates += message.event_id in seen
        seen.setdefault(message.event_id, message)
        end = datetime.fromisoformat(message.body["window"]["end"].replace("Z", "+00:00"))
        wrong_window += end != ids[message.event_id][1]
    stored = {ids[k]: m.stored for k, m in seen.items()}
    lateness = [(when - fire).total_seconds() for (_, fire), when in stored.items()]
    statuses: dict[str, int] = {}
    stages: dict[str, list[float]] = {"wake": [], "queue": [], "commit_relay_ack": []}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        key = (row["schedule"], row["fire_time"])
        if key not in stored or row["created_at"] is None:
            continue
        stages["wake"].append((row["recorded_at"] - row["fire_time"]).total_seconds())
        stages["queue"].append((row["created_at"] - row["recorded_at"]).total_seconds())
        stages["commit_relay_ack"].append((stored[key] - row["created_at"]).total_seconds())
    return Precision(
        plan,
        start,
        lateness,
        stages,
        statuses,
        duplicates,
        wrong_window,
        _by_rank(stored),
        postgres,
    )


def _by_rank(stored: dict[tuple[str, datetime], datetime]) -> dict[str, Spread]:
    """Lateness of the first and the last command stored for each fire instant."""
    per_instant: dict[datetime, list[float]] = {}
    for (_, fire), when in stored.items():
        per_instant.setdefault(fire, []).append((when - fire).total_seconds())
    firsts = [min(v) for v in per_instant.values()]
    lasts = [max(v) for v in per_instant.values()]
    return {"first of the second": Spread.of(firsts), "last of the second": Spread.of(lasts)}


def run(stack: Stack, plan: PrecisionPlan) -> Precision:
    """Synchronous entry: measure on ``stack``."""
    return asyncio.run(measure(stack, plan))
