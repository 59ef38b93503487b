"""Processes a previous `gridstream up` left running (it was killed): found, checked, stopped.

Every child is recorded with its pid and command line as it starts. A recorded pid is stopped
only while /proc/<pid>/cmdline is still that command line, so a reused pid is never touched.
PostgreSQL is not recorded here: pg_ctl daemonises it and the next `up` adopts it.
"""

import contextlib
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from gridstream.cli.errors import CliError
from gridstream.cli.stack.processes import is_zombie
from gridstream.cli.stack.state import read_state, write_state

_POLL_SECONDS = 0.1
_KILL_SECONDS = 10.0


def record_child(children_file: Path, name: str, pid: int, argv: Sequence[str]) -> None:
    """Add one started child to the record the next `up` reads."""
    recorded = read_state(children_file) or {}
    recorded[name] = {"pid": pid, "argv": list(argv)}
    write_state(children_file, recorded)


def _running_as(pid: int, argv: Sequence[str]) -> bool:
    """True while ``pid`` runs ``argv`` (a zombie, a reused pid or another program: False)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    if is_zombie(pid):
        return False
    return cmdline.split(b"\0")[:-1] == [arg.encode() for arg in argv]


def _signal(pid: int, signum: signal.Signals) -> None:
    # Each child leads its own session (Child.start): signal its whole group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _ended(processes: dict[str, tuple[int, list[str]]], within: float) -> bool:
    deadline = time.monotonic() + within
    while any(_running_as(pid, argv) for pid, argv in processes.values()):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)
    return True


def stop_leftovers(children_file: Path, grace: float = 20.0) -> list[str]:
    """SIGTERM what the record lists and still runs, SIGKILL after ``grace``; what was stopped.

    Blocking (it waits for the processes to end): run it in a thread from async code.
    """
    recorded = read_state(children_file) or {}
    found: dict[str, tuple[int, list[str]]] = {}
    for name, entry in recorded.items():
        pid, argv = entry.get("pid"), entry.get("argv")
        if isinstance(pid, int) and isinstance(argv, list) and _running_as(pid, argv):
            found[name] = (pid, argv)
    for pid, _ in found.values():
        _signal(pid, signal.SIGTERM)
    if not _ended(found, grace):
        for pid, _ in found.values():
            _signal(pid, signal.SIGKILL)
        if not _ended(found, _KILL_SECONDS):
            listed = ", ".join(f"{name} (pid {pid})" for name, (pid, _) in found.items())
            raise CliError(f"cannot stop what a previous `gridstream up` left running: {listed}")
    children_file.unlink(missing_ok=True)
    return [f"{name} (pid {pid})" for name, (pid, _) in found.items()]
