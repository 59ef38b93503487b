"""A collector process killed with SIGKILL mid-backfill: a new process finishes the job exactly."""

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from nats.aio.client import Client

from gridstream.contracts import BackfillCompleted, BackfillProgress, BackfillRequested
from gridstream.testing import free_port, wait_until

from .support import SIM_TOKEN, Harness, Sim, outbox_drained, scalar, send
from .test_collector_backfill import CHUNKS, QUARTER, QUARTER_SLOTS


@asynccontextmanager
async def collector_process(
    database_url: str, nats_url: str, sim: Sim, log: Path, **settings: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m gridstream.collector` as its own OS process, configured by environment.

    Keyword `settings` override GRIDSTREAM_<NAME> variables (e.g. backfill_lease="1").
    """
    env = {
        **os.environ,
        "GRIDSTREAM_DATABASE_URL": database_url,
        "GRIDSTREAM_NATS_URL": nats_url,
        "GRIDSTREAM_HTTP_PORT": str(free_port()),
        "GRIDSTREAM_BACKFILL_LEASE": "2",
        "GRIDSTREAM_BACKFILL_POLL_INTERVAL": "0.2",
        "GRIDSTREAM_OUTBOX_POLL_INTERVAL": "0.2",
        "ENTSOE_API_TOKEN": SIM_TOKEN,
        "ENTSOE_API_URL": f"{sim.url}/api",
        **{f"GRIDSTREAM_{name.upper()}": value for name, value in settings.items()},
    }
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gridstream.collector", env=env, stdout=out, stderr=out
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def test_backfill_survives_sigkill(
    h: Harness,
    nats_url: str,
    tmp_path: Path,
) -> None:
    command = BackfillRequested(area="NL", data_type="actual_load", window=QUARTER)
    log = tmp_path / "collector.log"
    await h.sim.admin("POST", "/admin/faults", {"kind": "slow", "delay_seconds": 1.5})
    async with collector_process(h.database_url, nats_url, h.sim, log) as first:
        await wait_until(lambda: streams_exist(h.nats), timeout=30, description="streams")
        await send(h.nats, command)
        await h.events.wait_for(BackfillProgress, correlation_id=command.event_id, within=60)
        first.send_signal(signal.SIGKILL)
        await first.wait()
    committed = await scalar(h.database_url, "SELECT chunks_done FROM backfill_jobs")
    assert 1 <= committed < 3
    await h.sim.admin("DELETE", "/admin/faults")
    async with collector_process(h.database_url, nats_url, h.sim, log) as second:
        [done] = await h.events.wait_for(
            BackfillCompleted, correlation_id=command.event_id, within=60
        )
        await outbox_drained(h.database_url)
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 20) == 0, log.read_text()[-2000:]
    assert await scalar(h.database_url, "SELECT count(*) FROM observations") == QUARTER_SLOTS
    assert done.points_written == QUARTER_SLOTS
    fetched = h.sim.windows("A65")
    for chunk in CHUNKS[:committed]:
        assert fetched.count(chunk) == 1, f"committed chunk {chunk} fetched again"
    assert sorted({p.chunks_done for p in h.events.of(BackfillProgress)}) == [1, 2, 3]
    assert len(h.events.of(BackfillCompleted)) == 1
    assert SIM_TOKEN not in log.read_text()


async def streams_exist(client: Client) -> bool:
    try:
        await client.jetstream().stream_info("GRIDSTREAM_CMD")
    except Exception:
        return False
    return True
