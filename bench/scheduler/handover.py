"""Hand-over: two scheduler processes, SIGKILL of the lease holder, time to the survivor's first command.

Each round uses a fresh database and one `every: 1` schedule. The first process takes the lease,
the second starts, and once the leader has published a command after that, the leader is killed
halfway between two fire times (so none of its publishes is in flight). The hand-over time is
from the kill to the JetStream stored time of the first command stored after it, which only the
survivor can have published. The round also checks that every fire time from before the kill to
two seconds after the hand-over was published exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bench.ingest.server import fresh_database
from bench.scheduler.process import Process, environment, scheduler_process
from bench.scheduler.stack import Recorder, Stack, recording
from bench.scheduler.stats import utcnow
from gridstream.scheduler.commands import fire_id
from gridstream.testing import sqlalchemy_url, wait_until


@dataclass(frozen=True)
class Round:
    """One kill: the lease used, the hand-over time, when the survivor's API named it leader."""

    lease: float
    handover: float
    leads_after: float | None
    first_fire: datetime
    killed: datetime
    lost: int
    doubled: int


async def measure(stack: Stack, lease: float, index: int, settings: dict[str, Any]) -> Round:
    """One round with ``lease_seconds = lease``."""
    name = f"handover_{index:02d}"
    schedule = {
        "name": name,
        "every": 1,
        "command_type": "CollectionRequested",
        "command": {
            "area": "NL",
            "data_type": "actual_load",
            "window": {"relative": {"last": "PT1H"}},
        },
        "overlap": "allow",
        "coalesce": False,
        "misfire_grace_seconds": 120,
    }
    log = stack.folder / "handover.log"
    async with fresh_database(stack.postgres.admin_dsn) as dsn, recording(stack.nats_url) as rec:
        env = environment(
            sqlalchemy_url(dsn), stack.nats_url, [schedule], lease_seconds=lease, **settings
        )
        async with scheduler_process(env, log) as leader:
            await leader.wait_ready()
            await wait_until(leader.leads, timeout=60, description="the first process leads")
            async with scheduler_process(env, log) as survivor:
                await survivor.wait_ready()
                ready = utcnow()
                await rec.wait(lambda: bool(rec.stored_after(ready)), timeout=30)
                return await _kill_and_wait(rec, leader, survivor, name, lease)


async def _kill_and_wait(
    rec: Recorder, leader: Process, survivor: Process, name: str, lease: float
) -> Round:
    now = utcnow()
    half = now.replace(microsecond=500_000)
    await asyncio.sleep(
        ((half if half > now else half + timedelta(seconds=1)) - now).total_seconds()
    )
    os.kill(leader.pid, signal.SIGKILL)
    killed = utcnow()
    await leader.process.wait()
    leads = asyncio.create_task(_when(survivor.leads, killed))
    await rec.wait(lambda: bool(rec.stored_after(killed)), timeout=lease + 60)
    first = rec.stored_after(killed)[0]
    first_fire = _fire_time(first.body)
    # Continuity: every fire time up to two seconds past the first late one, each once.
    until = first.stored.replace(microsecond=0) + timedelta(seconds=2)
    await rec.wait(lambda: any(_fire_time(m.body) >= until for m in rec.messages), timeout=30)
    leads_at = await asyncio.wait_for(leads, 30)
    lost, doubled = _gaps(rec, name)
    return Round(
        lease,
        (first.stored - killed).total_seconds(),
        None if leads_at is None else (leads_at - killed).total_seconds(),
        first_fire,
        killed,
        lost,
        doubled,
    )


def _fire_time(body: dict[str, Any]) -> datetime:
    """A command's fire time: the end of its window (relative: the hour before the fire)."""
    return datetime.fromisoformat(body["window"]["end"].replace("Z", "+00:00"))


def _gaps(rec: Recorder, name: str) -> tuple[int, int]:
    """(fire times missing between the first and last command, commands stored twice)."""
    times = [
        _fire_time(m.body)
        for m in rec.messages
        if m.event_id == str(fire_id(name, _fire_time(m.body)))
    ]
    if not times:
        return 0, 0
    span = int((max(times) - min(times)).total_seconds()) + 1
    return span - len(set(times)), len(times) - len(set(times))


async def _when(check: Any, since: datetime) -> datetime | None:
    """When ``check()`` first held (polled every 50 ms, for at most 120 s after ``since``)."""
    while (utcnow() - since).total_seconds() < 120:
        if await check():
            return utcnow()
        await asyncio.sleep(0.05)
    return None


async def measure_all(
    stack: Stack, leases: list[float], rounds: int, settings: dict[str, Any]
) -> list[Round]:
    """``rounds`` rounds for each lease setting, printed as they finish."""
    done: list[Round] = []
    for lease in leases:
        for i in range(rounds):
            result = await measure(stack, lease, len(done), settings)
            print(
                f"  lease {lease:g} s, round {i + 1}: hand-over {result.handover:.2f} s "
                f"(survivor's API named it leader after {result.leads_after or float('nan'):.2f} s); "
                f"lost {result.lost}, doubled {result.doubled}"
            )
            done.append(result)
    return done
