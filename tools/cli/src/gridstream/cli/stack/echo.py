"""`gridstream up --echo`: copy new lines of every child's log to the terminal, prefixed by name."""

import asyncio
from pathlib import Path
from typing import TextIO

_POLL_SECONDS = 0.2


class LogEcho:
    """Follows log files from their current end and prints what is appended."""

    def __init__(self, out: TextIO):
        self.out = out
        self._files: dict[str, tuple[Path, int]] = {}

    def add(self, name: str, path: Path) -> None:
        """Start following ``path`` from its current size."""
        size = path.stat().st_size if path.exists() else 0
        self._files[name] = (path, size)

    def flush(self) -> None:
        """Print whatever was appended since the last call."""
        for name, (path, offset) in list(self._files.items()):
            try:
                with path.open("rb") as log:
                    log.seek(offset)
                    data = log.read()
            except OSError:
                continue
            # Print whole lines only; a partial line waits for its end.
            complete = data[: data.rfind(b"\n") + 1]
            self._files[name] = (path, offset + len(complete))
            for line in complete.decode(errors="replace").splitlines():
                self.out.write(f"[{name}] {line}\n")
        self.out.flush()

    async def run(self) -> None:
        """Flush forever (cancel to stop)."""
        while True:
            self.flush()
            await asyncio.sleep(_POLL_SECONDS)
