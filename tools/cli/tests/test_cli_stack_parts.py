"""Small parts of `gridstream up`: log tails and echo, the local token, the reports it prints."""

import io
import os
import stat
import subprocess
from pathlib import Path

import pytest

from gridstream.cli.errors import CliError
from gridstream.cli.stack.config import stack_config
from gridstream.cli.stack.echo import LogEcho
from gridstream.cli.stack.processes import log_tail
from gridstream.cli.stack.report import Endpoints, banner, death_report
from gridstream.cli.stack.services import local_token
from gridstream.cli.stack.state import check_leftovers, write_state


def test_log_tail_gives_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {n}\n" for n in range(100)))
    assert log_tail(log, 3) == "line 97\nline 98\nline 99"
    assert log_tail(tmp_path / "missing.log") == ""


def test_echo_prints_only_new_complete_lines_with_the_name(tmp_path: Path) -> None:
    log = tmp_path / "collector.log"
    log.write_text("before start\n")
    out = io.StringIO()
    echo = LogEcho(out)
    echo.add("collector", log)
    with log.open("a") as handle:
        handle.write("ready\npartial")
    echo.flush()
    assert out.getvalue() == "[collector] ready\n"
    with log.open("a") as handle:
        handle.write(" line\n")
    echo.flush()
    assert out.getvalue() == "[collector] ready\n[collector] partial line\n"


def test_local_token_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "entsoe-sim.token"
    token = local_token(path)
    assert len(token) >= 24
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_token(path) == token


def test_death_report_names_the_process_the_cause_and_the_log(tmp_path: Path) -> None:
    log = tmp_path / "collector.log"
    assert death_report("collector", -9, log, "boom").startswith("collector was killed by SIGKILL;")
    report = death_report("collector", 3, log, "Traceback ...")
    assert report.startswith("collector exited with code 3; stopping the stack. Last lines of ")
    assert report.endswith("collector.log:\nTraceback ...")
    assert death_report("PostgreSQL", None, log, "").startswith("PostgreSQL died;")


def test_banner_says_where_everything_is_and_how_to_stop(tmp_path: Path) -> None:
    config = stack_config(data_dir=tmp_path, ports={"nats": 24222}, environ={})
    endpoints = Endpoints(
        nats_url="nats://127.0.0.1:24222",
        database_url="postgresql://postgres@/gridstream?host=/x",
        entsoe_url="http://127.0.0.1:18089/api",
        simulator_url="http://127.0.0.1:18089",
        services={"collector": "http://127.0.0.1:18081"},
        logs={"collector": tmp_path / "logs" / "collector.log"},
    )
    text = banner(config, endpoints, 4242)
    assert "NATS JetStream   nats://127.0.0.1:24222" in text
    assert "postgresql://postgres@/gridstream?host=/x" in text
    assert "local simulator http://127.0.0.1:18089" in text
    assert "collector        http://127.0.0.1:18081" in text
    assert "gridstream collect DE_LU day_ahead_price --wait --nats nats://127.0.0.1:24222" in text
    assert "stop: Ctrl-C (or kill -TERM 4242)" in text
    default = stack_config(data_dir=tmp_path, ports={}, environ={})
    assert "--nats" not in banner(default, endpoints, 1)


def test_leftovers_of_a_crashed_run_are_named(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    state = tmp_path / "stack.json"
    write_state(state, {"pid": 1234, "pids": {"nats": os.getpid(), "collector": dead.pid}})
    with pytest.raises(CliError) as caught:
        check_leftovers(state)
    assert str(caught.value) == (
        f"a previous `gridstream up` (pid 1234) did not stop cleanly and left nats (pid {os.getpid()}) "
        f"running; stop them (kill {os.getpid()}) and start again"
    )
    write_state(state, {"pid": 1234, "pids": {"postgres": os.getpid(), "collector": dead.pid}})
    check_leftovers(state)
    assert not state.exists()
