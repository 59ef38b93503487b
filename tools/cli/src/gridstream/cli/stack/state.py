"""The data directory's lock (one `gridstream up` per directory) and the stack's state files."""

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gridstream.cli.errors import CliError

LOCK_NAME = "up.lock"


@contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``data_dir``; CliError naming the holder's pid when taken."""
    handle = (data_dir / LOCK_NAME).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise CliError(
            f"another `gridstream up` (pid {holder}) is using {data_dir}; "
            "stop it first or give another --data-dir"
        ) from None
    try:
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Write the state file atomically (readers never see half of it)."""
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(state, indent=2) + "\n")
    partial.replace(path)


def read_state(path: Path) -> dict[str, Any] | None:
    """The running stack's state, or None when no stack runs from this directory."""
    try:
        state: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state
