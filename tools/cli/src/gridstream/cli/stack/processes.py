"""Child processes of the stack: started in their own session, logged to a file, stopped politely."""

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from gridstream.cli.errors import CliError

_LOG_TAIL_LINES = 20
_PR_SET_PDEATHSIG = 1
PARENT_DEATH_SIGNAL = signal.SIGTERM
"""What a child gets when `gridstream up` dies without stopping it (kill -9): a polite stop."""


def log_tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a log file (empty when there is none)."""
    try:
        with path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 64 * 1024))
            text = log.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def die_with_parent() -> Callable[[], None] | None:
    """A pre-exec hook that has Linux signal the child when its parent dies (None elsewhere).

    PR_SET_PDEATHSIG fires when the thread that forked the child ends; `gridstream up` forks
    from its main thread, which lives as long as the process.
    """
    if not sys.platform.startswith("linux"):
        return None
    # Loaded before the fork: the child then only makes the call.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(PARENT_DEATH_SIGNAL), 0, 0, 0)
        if os.getppid() != parent:
            # The parent died before the call above: no signal would ever come.
            os.kill(os.getpid(), PARENT_DEATH_SIGNAL)

    return hook


class Child:
    """One process of the stack, its output appended to ``log_path``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
    ):
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.stopping = False
        self._process: asyncio.subprocess.Process | None = None
        self._log: BinaryIO | None = None

    @property
    def pid(self) -> int | None:
        """Process id once started."""
        return None if self._process is None else self._process.pid

    @property
    def returncode(self) -> int | None:
        """Exit status once the process has ended (negative: killed by that signal)."""
        return None if self._process is None else self._process.returncode

    async def start(self) -> None:
        """Start the process; its stdout and stderr go to the log file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        self._log.write(f"--- gridstream up: starting {self.name} at {stamp} ---\n".encode())
        self._log.flush()
        # A session of its own: Ctrl-C in the terminal reaches only `gridstream up`, which then
        # stops the children in order instead of all of them at once. If `up` is killed outright,
        # the kernel stops them instead (die_with_parent).
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=self._log,
                stderr=asyncio.subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )
        except OSError as exc:
            raise CliError(f"cannot start {self.name} ({self.argv[0]}): {exc.strerror}") from exc

    async def wait(self) -> int:
        """Wait for the process to end; its exit status."""
        if self._process is None:
            raise RuntimeError(f"{self.name} was never started")
        return await self._process.wait()

    async def stop(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109 grace period before SIGKILL
        """SIGTERM the process group, SIGKILL it after ``timeout`` seconds; idempotent."""
        self.stopping = True
        process = self._process
        if process is not None and process.returncode is None:
            self._signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout)
            except TimeoutError:
                self._signal(signal.SIGKILL)
                await process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _signal(self, signum: signal.Signals) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signum)

    def tail(self) -> str:
        """The last lines of this child's log."""
        return log_tail(self.log_path)


def is_zombie(pid: int) -> bool:
    """True when ``pid`` has ended but was not reaped yet (Linux /proc; elsewhere False)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(") ", 1)[-1][:1] == "Z"
