"""Small parts of `gridstream up`: log tails and echo, the local token, the reports it prints."""

import io
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from pydantic import SecretStr

from gridstream.cli.stack.config import stack_config
from gridstream.cli.stack.echo import LogEcho
from gridstream.cli.stack.leftovers import stop_leftovers
from gridstream.cli.stack.processes import log_tail
from gridstream.cli.stack.report import Endpoints, banner, death_report
from gridstream.cli.stack.services import local_token
from gridstream.cli.stack.state import write_state


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
    token = SecretStr("an-admin-token-of-32-characters-")
    assert "admin token      an-admin-token-of-32-characters-" in banner(
        default, endpoints, 1, admin_token=token
    )


def test_leftovers_of_a_crashed_run_are_stopped_when_still_the_same_program(
    tmp_path: Path,
) -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(600)", "leftover-of-a-test"]
    leftover = subprocess.Popen(argv, start_new_session=True)
    try:
        # Popen returns before the child has exec'd: until then its command line is ours.
        wait_for_exec(leftover.pid, argv)
        children = tmp_path / "children.json"
        reused = {"pid": os.getpid(), "argv": ["nats-server", "-js"]}
        write_state(children, {"nats": reused, "collector": {"pid": leftover.pid, "argv": argv}})
        stopped = stop_leftovers(children)
        assert stopped == [f"collector (pid {leftover.pid})"]
        assert leftover.wait(timeout=5) == -signal.SIGTERM
        assert not children.exists()
        assert stop_leftovers(children) == []
    finally:
        leftover.kill()
        leftover.wait()


def test_the_admin_token_is_kept_private_and_a_short_one_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "admin.token"
    path.write_text("short\n")
    path.chmod(0o644)
    token = local_token(path)
    assert len(token) >= 32
    assert token.replace("-", "").replace("_", "").isalnum()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_token(path) == token


def wait_for_exec(pid: int, argv: list[str], timeout: float = 10.0) -> None:
    """Block until ``pid`` runs ``argv`` (its /proc command line shows it)."""
    deadline = time.monotonic() + timeout
    expected = [arg.encode() for arg in argv]
    while Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1] != expected:
        assert time.monotonic() < deadline, f"pid {pid} did not exec {argv}"
        time.sleep(0.01)
