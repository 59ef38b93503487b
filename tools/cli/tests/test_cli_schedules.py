"""`gridstream schedules ...` against a real HTTP server answering as the scheduler's admin API."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gridstream.cli.main import main
from gridstream.testing import run_uvicorn

from .schedules_server import LEADER, NEXT_FIRE, SchedulerStandIn, build_app

TOKEN = "admin-token-for-the-schedules-test"
REPORT_COMMAND = {
    "period": "daily",
    "window": {
        "relative": {"unit": "day", "offset": -1, "count": 1, "timezone": "Europe/Brussels"}
    },
}
LOAD_COMMAND = {"area": "NL", "data_type": "actual_load", "reason": "scheduled"}


@pytest.fixture
async def scheduler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SchedulerStandIn]:
    """A served stand-in scheduler; the CLI finds it and the admin token through the environment."""
    state = SchedulerStandIn()
    async with run_uvicorn(build_app(state, TOKEN)) as url:
        monkeypatch.setenv("GRIDSTREAM_SCHEDULER_URL", url)
        monkeypatch.setenv("GRIDSTREAM_ADMIN_TOKEN", TOKEN)
        monkeypatch.setenv("GRIDSTREAM_UP_DATA_DIR", str(tmp_path / "up"))
        yield state


async def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `gridstream schedules ...` in a worker thread (it is synchronous), as a user would."""
    status = await asyncio.to_thread(main, ["schedules", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def test_add_sends_the_create_body_and_list_and_show_display_it(
    scheduler: SchedulerStandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = await cli(
        capsys,
        "add",
        "daily-report",
        "--cron",
        "0 6 * * *",
        "--timezone",
        "Europe/Brussels",
        "--command-type",
        "ReportRequested",
        "--command",
        json.dumps(REPORT_COMMAND),
        "--misfire-grace",
        "600",
        "--no-coalesce",
        "--overlap",
        "allow",
        "--jitter",
        "5",
        "--disabled",
    )
    assert (status, err) == (0, "")
    assert out == f"added daily-report: next fire {NEXT_FIRE}\n"
    assert scheduler.bodies[-1] == (
        "POST",
        "/v1/schedules",
        {
            "name": "daily-report",
            "cron": "0 6 * * *",
            "timezone": "Europe/Brussels",
            "command_type": "ReportRequested",
            "command": REPORT_COMMAND,
            "misfire_grace_seconds": 600,
            "coalesce": False,
            "overlap": "allow",
            "jitter_seconds": 5,
            "enabled": False,
        },
    )

    (tmp_path / "load.yaml").write_text("area: NL\ndata_type: actual_load\nreason: scheduled\n")
    status, _, err = await cli(
        capsys,
        *("add", "collect-nl-load", "--every", "30m", "--command-type", "CollectionRequested"),
        *("--command", f"@{tmp_path / 'load.yaml'}"),
    )
    assert (status, err) == (0, "")
    assert scheduler.bodies[-1][2] == {
        "name": "collect-nl-load",
        "every": 1800,
        "command_type": "CollectionRequested",
        "command": LOAD_COMMAND,
    }

    status, out, _ = await cli(capsys, "list")
    assert status == 0
    header, *rows, leader = out.splitlines()
    assert header.split() == [
        *("NAME", "TRIGGER", "COMMAND", "STATE", "NEXT", "FIRE", "LAST", "FIRE"),
        *("LAST", "OUTCOME"),
    ]
    assert [row.split() for row in rows] == [
        ["collect-nl-load", "every", "30m", "CollectionRequested", "active", NEXT_FIRE, "-", "-"],
        [
            *("daily-report", "0", "6", "*", "*", "*", "Europe/Brussels", "ReportRequested"),
            *("disabled", NEXT_FIRE, "-", "-"),
        ],
    ]
    assert leader == f"firing replica: {LEADER['leader']} (lease until {LEADER['lease_until']})"

    status, out, _ = await cli(capsys, "list", "--json")
    assert status == 0
    assert json.loads(out) == [scheduler.view("collect-nl-load"), scheduler.view("daily-report")]

    status, out, _ = await cli(capsys, "show", "daily-report")
    assert status == 0
    shown = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    assert shown["trigger"] == "0 6 * * * (Europe/Brussels)"
    assert shown["command"] == f"ReportRequested {json.dumps(REPORT_COMMAND)}"
    assert shown["state"] == "disabled"
    assert shown["misfire grace"] == "600 s"
    assert (shown["coalesce"], shown["overlap"], shown["jitter"]) == ("no", "allow", "5 s")
    assert (shown["next fire"], shown["last fire"], shown["last outcome"]) == (NEXT_FIRE, "-", "-")
    status, out, _ = await cli(capsys, "show", "daily-report", "--json")
    assert json.loads(out) == scheduler.view("daily-report")


async def test_add_from_a_file_takes_its_fields_and_options_override_them(
    scheduler: SchedulerStandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "scan.yaml"
    spec.write_text(
        "name: gap-scan\nevery: 14400\ncommand_type: GapScanRequested\ncommand: {}\n"
        "overlap: buffer_one\n"
    )
    status, _, err = await cli(capsys, "add", "--from-file", str(spec), "--jitter", "30")
    assert (status, err) == (0, "")
    assert scheduler.bodies[-1][2] == {
        "name": "gap-scan",
        "every": 14400,
        "command_type": "GapScanRequested",
        "command": {},
        "overlap": "buffer_one",
        "jitter_seconds": 30,
    }
    as_json = tmp_path / "scan.json"
    as_json.write_text(json.dumps({"every": 60, "command_type": "GapScanRequested"}))
    status, _, err = await cli(capsys, "add", "quick-scan", "--from-file", str(as_json))
    assert (status, err) == (0, "")
    assert scheduler.bodies[-1][2] == {
        "name": "quick-scan",
        "every": 60,
        "command_type": "GapScanRequested",
    }
    status, _, err = await cli(capsys, "add", "gap-scan", "--from-file", str(as_json), "--replace")
    assert (status, err) == (0, "")
    assert scheduler.bodies[-1] == (
        "PUT",
        "/v1/schedules/gap-scan",
        {"name": "gap-scan", "every": 60, "command_type": "GapScanRequested"},
    )
    assert scheduler.schedules["gap-scan"]["overlap"] == "skip"


async def test_pause_resume_trigger_fires_and_delete(
    scheduler: SchedulerStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("add", "daily-report", "--cron", "0 6 * * *", "--command-type", "ReportRequested")
    assert (await cli(capsys, *add))[0] == 0

    status, out, _ = await cli(capsys, "pause", "daily-report")
    assert (status, out) == (0, "paused daily-report\n")
    status, out, _ = await cli(capsys, "list")
    assert out.splitlines()[1].split()[-4:] == ["paused", "-", "-", "-"]
    status, out, _ = await cli(capsys, "resume", "daily-report")
    assert (status, out) == (0, f"resumed daily-report: next fire {NEXT_FIRE}\n")

    status, out, _ = await cli(capsys, "trigger", "daily-report")
    [fire] = scheduler.fires["daily-report"]
    assert status == 0
    assert out == (
        f"triggered daily-report: fire {fire['fire_time']}, command {fire['command_id']} "
        "on gridstream.cmd.report\n"
    )
    scheduler.fires["daily-report"].append(
        {
            **fire,
            "fire_time": "2024-02-29T05:00:00Z",
            "command_id": "6f1c3c39-7e46-5a55-a2f4-7a39b61c0a11",
            "status": "failed",
            "finished_at": "2024-02-29T05:00:03Z",
            "duration_seconds": 2.5,
            "points": 0,
            "error": "quality: report store unavailable",
        }
    )
    status, out, _ = await cli(capsys, "fires", "daily-report")
    assert status == 0
    header, newest, oldest = out.splitlines()
    assert header.split() == [
        "FIRE",
        "TIME",
        "STATUS",
        "DURATION",
        "POINTS",
        "COMMAND",
        "ID",
        "ERROR",
    ]
    assert newest.split() == [fire["fire_time"], "published", "-", "-", fire["command_id"]]
    assert oldest.split() == [
        *("2024-02-29T05:00:00Z", "failed", "2.5s", "0", "6f1c3c39-7e46-5a55-a2f4-7a39b61c0a11"),
        *("quality:", "report", "store", "unavailable"),
    ]
    status, out, _ = await cli(capsys, "fires", "daily-report", "--limit", "1", "--json")
    assert (status, json.loads(out)) == (0, [fire])
    status, out, _ = await cli(capsys, "show", "daily-report")
    assert f"last outcome: published ({fire['fire_time']})" in out.splitlines()

    status, out, _ = await cli(capsys, "delete", "daily-report")
    assert (status, out) == (0, "deleted daily-report\n")
    status, out, _ = await cli(capsys, "list")
    assert out.splitlines()[0] == "no schedules"


async def test_bad_input_exits_2_and_changes_nothing(
    scheduler: SchedulerStandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = await cli(
        capsys,
        *("add", "x", "--cron", "0 6 * * *", "--timezone", "Mars/Olympus"),
        *("--command-type", "ReportRequested"),
    )
    assert status == 2
    assert err == (
        "gridstream schedules add: the scheduler answered 400 Bad Request: "
        "timezone: unknown time zone 'Mars/Olympus'\n"
    )
    asked = len(scheduler.bodies)
    status, _, err = await cli(
        capsys, "add", "x", "--every", "60", "--command-type", "GapScanRequested", "--command", "{"
    )
    assert status == 2
    assert err.startswith("gridstream schedules add: --command is not valid JSON: ")
    status, _, err = await cli(capsys, "add", "x", "--every", "60")
    assert (status, err) == (
        2,
        "gridstream schedules add: give --command-type (or --from-file with command_type)\n",
    )
    status, _, err = await cli(
        capsys, "add", "x", "--every", "ten", "--command-type", "GapScanRequested"
    )
    assert status == 2
    assert "--every: 'ten' is not a duration (e.g. 90, 90s, 15m, 4h, 1d)" in err
    status, _, err = await cli(capsys, "add", "--every", "60", "--command-type", "GapScanRequested")
    assert (status, err) == (2, "gridstream schedules add: give NAME (or a name in --from-file)\n")
    (tmp_path / "list.yaml").write_text("- name: a\n")
    status, _, err = await cli(capsys, "add", "--from-file", str(tmp_path / "list.yaml"))
    assert status == 2
    assert err.endswith("list.yaml must hold one mapping (the create body)\n")
    status, _, err = await cli(capsys, "add", "--from-file", str(tmp_path / "absent.yaml"))
    assert status == 2
    assert "cannot read" in err
    assert len(scheduler.bodies) == asked
    assert scheduler.schedules == {}


async def test_unknown_schedules_and_refused_tokens_are_reported(
    scheduler: SchedulerStandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for action in ("show", "pause", "resume", "trigger", "delete", "fires"):
        status, _, err = await cli(capsys, action, "nope")
        assert (status, err) == (
            1,
            f"gridstream schedules {action}: the scheduler answered 404 Not Found: "
            "no schedule named 'nope'\n",
        )
    add = ("add", "twice", "--every", "1h", "--command-type", "GapScanRequested")
    assert (await cli(capsys, *add))[0] == 0
    status, _, err = await cli(capsys, *add)
    assert (status, err) == (
        1,
        "gridstream schedules add: the scheduler answered 409 Conflict: "
        "a schedule named 'twice' exists; PUT replaces it (use --replace)\n",
    )
    monkeypatch.setenv("GRIDSTREAM_ADMIN_TOKEN", "not-the-admin-token")
    status, _, err = await cli(capsys, "trigger", "nope")
    assert (status, err) == (
        1,
        "gridstream schedules trigger: the scheduler answered 401 Unauthorized: "
        "missing or invalid bearer token\n",
    )
