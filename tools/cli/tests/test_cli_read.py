"""`gridstream series`, `points` and `latest` against a real collector (NATS, PostgreSQL, simulator)."""

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from gridstream.cli.main import main
from gridstream.collector.app import build_collector
from gridstream.collector.settings import CollectorSettings
from gridstream.entsoe_sim.app import build_app
from gridstream.entsoe_sim.config import SimConfig
from gridstream.runtime import create_engine
from gridstream.testing import free_port, run_uvicorn

SIM_TOKEN = "sim-token-for-the-cli-read-test"
DAY = ["--start", "2024-01-01T00:00Z", "--end", "2024-01-02T00:00Z"]


@pytest.fixture
async def collector_url(
    nats_url: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """A running collector fetching from a simulator; GRIDSTREAM_COLLECTOR_URL points at it."""
    sim = build_app(SimConfig(tokens=(SecretStr(SIM_TOKEN),)))
    async with run_uvicorn(sim) as sim_url:
        settings = CollectorSettings(
            database_url=SecretStr(database_url),
            nats_url=nats_url,
            http_port=0,
            entsoe_api_token=SecretStr(SIM_TOKEN),
            entsoe_api_url=f"{sim_url}/api",
            outbox_poll_interval=0.2,
        )
        async with build_collector(settings).runner as runner:
            monkeypatch.setenv("GRIDSTREAM_COLLECTOR_URL", runner.url)
            monkeypatch.setenv("GRIDSTREAM_NATS_URL", nats_url)
            yield runner.url


async def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in a worker thread (it is synchronous), as `gridstream ...` would."""
    status = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def test_read_commands_show_what_the_collector_stored(
    collector_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = datetime.now(UTC).isoformat()
    status, _, err = await cli(capsys, "collect", "DE_LU", "actual_load", *DAY, "--wait")
    assert status == 0, err

    status, out, _ = await cli(capsys, "series", "--area", "de-lu")
    assert status == 0
    [line] = out.splitlines()
    assert line.split() == [line.split()[0], "DE_LU", "actual_load", "-", "MW"]
    status, out, _ = await cli(capsys, "series", "--data-type", "day_ahead_price")
    assert (status, out) == (0, "")

    async with httpx.AsyncClient(base_url=collector_url) as http:
        [series] = (await http.get("/v1/series")).json()
        params = {"start": "2024-01-01T00:00Z", "end": "2024-01-02T00:00Z"}
        stored = (await http.get(f"/v1/series/{series['id']}/points", params=params)).json()
    assert len(stored["points"]) == 96

    status, out, _ = await cli(capsys, "points", "DE_LU", "actual_load", *DAY, "--page-size", "40")
    assert status == 0
    assert [line.split() for line in out.splitlines()] == [
        [ts, repr(value), resolution] for ts, value, resolution in stored["points"]
    ]

    status, out, _ = await cli(
        capsys, "points", "DE_LU", "actual_load", *DAY, "--csv", "--page-size", "50"
    )
    assert status == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["ts", "value", "resolution"]
    assert [[ts, float(value), res] for ts, value, res in rows[1:]] == stored["points"]

    status, out, _ = await cli(capsys, "points", "DE_LU", "actual_load", *DAY, "--as-of", before)
    assert (status, out) == (0, "")

    status, out, _ = await cli(capsys, "latest")
    assert status == 0
    [line] = out.splitlines()
    last_ts, last_value, _ = stored["points"][-1]
    assert line.split()[:6] == ["DE_LU", "actual_load", "-", last_ts, repr(last_value), "MW"]

    backwards = ["--start", "2024-01-02T00:00Z", "--end", "2024-01-01T00:00Z"]
    status, _, err = await cli(capsys, "points", "DE_LU", "actual_load", *backwards)
    assert status == 2
    assert "gridstream points: the collector answered 400 Bad Request: " in err
    assert "must be after start" in err


async def test_read_commands_report_the_collector_errors(
    collector_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = await cli(capsys, "points", "DE_LU", "actual_load", *DAY)
    assert status == 1
    assert "no series DE_LU actual_load is stored (see `gridstream series`)" in err
    status, _, err = await cli(capsys, "series", "--area", "XX")
    assert status == 2
    assert "gridstream series: the collector answered 400 Bad Request: unknown area" in err


def test_an_unreachable_collector_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("GRIDSTREAM_COLLECTOR_URL", url)
    assert main(["latest"]) == 1
    err = capsys.readouterr().err
    assert f"gridstream latest: cannot reach the collector at {url}" in err
    assert "GRIDSTREAM_COLLECTOR_URL" in err


async def test_collect_wait_follows_a_split_latest_window_to_its_last_backfill_job(
    collector_url: str, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The collector was down for 90 days: the latest window is split, the older part backfilled.
    last = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=90)
    engine = create_engine(database_url, "collector")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO series (area, data_type, qualifier, unit) "
                "VALUES ('NL', 'actual_load', '', 'MW')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO observations (series_id, ts, value, resolution, first_seen, "
                "last_changed) SELECT id, :ts, 1.0, 'PT15M', now(), now() FROM series"
            ),
            {"ts": last},
        )
    status, out, err = await cli(capsys, "collect", "NL", "actual_load", "--wait")
    async with engine.connect() as conn:
        jobs = (await conn.execute(text("SELECT count(*) FROM backfill_jobs"))).scalar_one()
        running = (
            await conn.execute(text("SELECT count(*) FROM backfill_jobs WHERE status <> 'done'"))
        ).scalar_one()
    await engine.dispose()
    assert status == 0, out + err
    assert jobs >= 1
    assert f"the older part goes to {jobs} backfill job" in out + err
    assert f"with {jobs} backfill job" in out + err
    assert running == 0  # --wait ended only once every job had completed
