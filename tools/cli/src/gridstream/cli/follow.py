"""Waiting for a command's outcome: feed followed events to a watch and print its updates."""

import asyncio
from typing import Protocol, TextIO

from gridstream.cli.errors import CliError
from gridstream.cli.nats_client import Received, decode_event
from gridstream.cli.watching import Update
from gridstream.contracts import Message


class Watch(Protocol):
    """What the wait loop needs from CollectionWatch and BackfillWatch."""

    @property
    def command(self) -> Message:
        """The command being followed."""
        ...

    def subjects(self) -> list[str]:
        """The event subjects to follow."""
        ...

    def feed(self, event: Message) -> Update | None:
        """The update an event brings, or None."""
        ...


class Printer:
    """Prints updates; on a terminal a progress line is redrawn in place instead of repeated."""

    def __init__(self, out: TextIO):
        self.out = out
        self._tty = out.isatty()
        self._open_line = False

    def show(self, update: Update) -> None:
        """Print one update."""
        if self._tty and update.progress:
            self.out.write(f"\r\x1b[K{update.text}")
            self._open_line = True
        else:
            if self._open_line:
                self.out.write("\n")
                self._open_line = False
            self.out.write(update.text + "\n")
        self.out.flush()


async def wait_for_outcome(
    queue: "asyncio.Queue[Received]",
    watch: Watch,
    printer: Printer,
    *,
    timeout: float | None,  # noqa: ASYNC109 the user's --timeout, reported in the failure message
) -> int:
    """Print updates until a final one (its exit code), or raise CliError when time runs out."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    while True:
        limit = None if deadline is None else max(0.0, deadline - loop.time())
        try:
            received = await asyncio.wait_for(queue.get(), limit)
        except TimeoutError:
            raise CliError(
                f"no outcome within {timeout:g}s; command {watch.command.event_id} may still be "
                "running (follow it with `gridstream tail`)"
            ) from None
        event = decode_event(received)
        update = None if event is None else watch.feed(event)
        if update is not None:
            printer.show(update)
            if update.final:
                return update.exit_code
