"""Two `python -m gridstream.scheduler` processes: each fire published once; SIGKILL of the lease
holder hands the firing over within the lease, with no fire lost and none doubled."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx

from gridstream.contracts import CollectionRequested, ScheduleFired
from gridstream.scheduler.commands import fire_id
from gridstream.testing import MessageLog, free_port, wait_until

from .support import every, fires

LEASE = 3
SCHEDULE = every("tick", 1, coalesce=False, misfire_grace_seconds=60, overlap="allow")


@asynccontextmanager
async def scheduler_process(
    database_url: str, nats_url: str, log: Path
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """One scheduler process configured by environment; yields it and its API's URL."""
    port = free_port()
    env = {
        **os.environ,
        "GRIDSTREAM_DATABASE_URL": database_url,
        "GRIDSTREAM_NATS_URL": nats_url,
        "GRIDSTREAM_HTTP_PORT": str(port),
        "GRIDSTREAM_LEASE_SECONDS": str(LEASE),
        "GRIDSTREAM_OUTBOX_POLL_INTERVAL": "0.2",
        "GRIDSTREAM_DEFAULT_SCHEDULES_ENABLED": "false",
        "GRIDSTREAM_SCHEDULES": json.dumps([SCHEDULE]),
    }
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gridstream.scheduler", env=env, stdout=out, stderr=out
        )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def _leader(url: str) -> str | None:
    try:
        async with httpx.AsyncClient(timeout=2.0) as http:
            leader: str | None = (await http.get(f"{url}/v1/leader")).json()["leader"]
            return leader
    except httpx.HTTPError:
        return None


async def _has_leader(url: str) -> bool:
    return await _leader(url) is not None


async def test_two_processes_fire_once_and_hand_over_after_sigkill(
    database_url: str, nats_url: str, tmp_path: Path, commands: MessageLog, events: MessageLog
) -> None:
    log = tmp_path / "schedulers.log"
    async with (
        scheduler_process(database_url, nats_url, log) as (first, first_url),
        scheduler_process(database_url, nats_url, log) as (second, second_url),
    ):
        by_owner = {}
        for process, url in ((first, first_url), (second, second_url)):
            await wait_until(partial(_has_leader, url), timeout=60, description="a leader")
            by_owner[f"{os.uname().nodename}-{process.pid}"] = (process, url)
        owner = await _leader(first_url)
        assert owner in by_owner, (owner, list(by_owner))
        await events.wait_for(ScheduleFired, 3, schedule="tick", within=30)
        holder, _ = by_owner[owner]
        [(_, survivor_url)] = [v for k, v in by_owner.items() if k != owner]
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
        killed_at = len(events.of(ScheduleFired, schedule="tick"))

        async def taken_over() -> bool:
            return await _leader(survivor_url) not in (None, owner)

        # The lease lasts 3 s; allow for a loaded machine, but the survivor must take it.
        await wait_until(taken_over, timeout=LEASE * 5, description="the survivor leads")
        await events.wait_for(ScheduleFired, killed_at + 3, schedule="tick", within=30)
        history = await fires(database_url, "tick")
        expected = {fire_id("tick", t) for t, _ in history}
        await wait_until(
            lambda: expected <= {c.event_id for c in commands.of(CollectionRequested)},
            timeout=30,
            description="every recorded fire's command published",
        )

    times = [t for t, _ in history]
    assert {s for _, s in history} == {"published"}
    # No fire lost: every second from the first fire to the last is there.
    assert times == [times[0] + timedelta(seconds=i) for i in range(len(times))]
    ids = [c.event_id for c in commands.of(CollectionRequested)]
    assert len(ids) == len(set(ids))  # none doubled
    fired = [e.fire_time for e in events.of(ScheduleFired, schedule="tick")]
    assert sorted(fired) == sorted(set(fired))
    assert log.read_text().count("took the firing lease") >= 2
