"""`gridstream schedules ...` against a real scheduler (NATS JetStream, PostgreSQL)."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from gridstream.cli.main import main
from gridstream.scheduler.app import build_scheduler
from gridstream.scheduler.settings import SchedulerSettings

TOKEN = "admin-token-for-the-real-scheduler"


@pytest.fixture
async def scheduler_url(
    nats_url: str, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """A running scheduler without default schedules; the CLI finds it through the environment."""
    settings = SchedulerSettings(
        database_url=SecretStr(database_url),
        nats_url=nats_url,
        http_port=0,
        admin_token=SecretStr(TOKEN),
        default_schedules_enabled=False,
        outbox_poll_interval=0.2,
        lease_seconds=3.0,
    )
    async with build_scheduler(settings).runner as runner:
        monkeypatch.setenv("GRIDSTREAM_SCHEDULER_URL", runner.url)
        monkeypatch.setenv("GRIDSTREAM_ADMIN_TOKEN", TOKEN)
        monkeypatch.setenv("GRIDSTREAM_UP_DATA_DIR", str(tmp_path / "up"))
        yield runner.url


async def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `gridstream schedules ...` in a worker thread, as a user would."""
    status = await asyncio.to_thread(main, ["schedules", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def test_the_cli_manages_schedules_of_a_real_scheduler(
    scheduler_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = ("--command-type", "ReportRequested", "--command")
    window = {"relative": {"unit": "day", "offset": -1, "count": 1, "timezone": "Europe/Brussels"}}
    command = json.dumps({"period": "daily", "window": window})
    status, _, err = await cli(
        capsys, "add", "daily-report", "--cron", "0 6 * * *", "--timezone", "Mars/Olympus",
        *report, command,
    )  # fmt: skip
    assert status == 2
    assert err.startswith("gridstream schedules add: the scheduler answered 400 Bad Request: ")
    assert "timezone" in err

    status, out, err = await cli(
        capsys, "add", "daily-report", "--cron", "0 6 * * *", "--timezone", "Europe/Brussels",
        *report, command, "--overlap", "allow", "--no-coalesce",
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert out.startswith("added daily-report: next fire ")

    status, out, _ = await cli(capsys, "list")
    assert status == 0
    assert out.splitlines()[1].split()[:8] == [
        *("daily-report", "0", "6", "*", "*", "*", "Europe/Brussels", "ReportRequested"),
    ]
    assert out.splitlines()[-1].startswith("firing replica: ")

    status, out, _ = await cli(capsys, "pause", "daily-report")
    assert (status, out) == (0, "paused daily-report\n")
    status, out, _ = await cli(capsys, "show", "daily-report", "--json")
    shown = json.loads(out)
    assert (shown["paused"], shown["overlap"], shown["coalesce"]) == (True, "allow", False)
    status, out, _ = await cli(capsys, "resume", "daily-report")
    assert status == 0
    assert out.startswith("resumed daily-report: next fire ")

    status, out, err = await cli(capsys, "trigger", "daily-report")
    assert (status, err) == (0, "")
    assert out.startswith("triggered daily-report: fire ")
    assert out.rstrip().endswith("on gridstream.cmd.report")
    command_id = out.split(", command ")[1].split()[0]
    status, out, _ = await cli(capsys, "fires", "daily-report", "--json")
    assert status == 0
    assert command_id in [fire["command_id"] for fire in json.loads(out)]
    status, out, _ = await cli(capsys, "fires", "daily-report")
    assert command_id in out

    status, out, _ = await cli(capsys, "delete", "daily-report")
    assert (status, out) == (0, "deleted daily-report\n")
    status, _, err = await cli(capsys, "show", "daily-report")
    assert (status, err) == (
        1,
        "gridstream schedules show: the scheduler answered 404 Not Found: "
        "no schedule named 'daily-report'\n",
    )
