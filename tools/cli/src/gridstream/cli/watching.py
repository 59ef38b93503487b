"""Following a command to its outcome: pure state machines fed with the events it caused."""

from dataclasses import dataclass, field
from uuid import UUID

from gridstream.contracts import (
    EVT_PREFIX,
    BackfillCompleted,
    BackfillProgress,
    BackfillRequested,
    CollectionCompleted,
    CollectionFailed,
    CollectionRequested,
    CommandRejected,
    Message,
    TimeWindow,
)

REJECTED_SUBJECT = f"{EVT_PREFIX}.command.rejected"


@dataclass(frozen=True, slots=True)
class Update:
    """What to tell the user after an event; ``final`` ends the wait with ``exit_code``."""

    text: str
    final: bool = False
    exit_code: int = 0
    progress: bool = False
    """A progress line: on a terminal it replaces the previous progress line."""


def _rejection(command: Message, event: Message) -> Update | None:
    if isinstance(event, CommandRejected) and event.command_id == str(command.event_id):
        return Update(f"rejected by {event.consumer}: {event.reason}", final=True, exit_code=1)
    return None


def _failure(event: CollectionFailed) -> Update:
    window = f" {event.window}" if event.window is not None else ""
    text = f"attempt {event.attempt} failed{window} ({event.error_kind}): {event.message}"
    if event.will_retry:
        return Update(f"{text}; will retry")
    return Update(f"{text}; giving up", final=True, exit_code=1)


class CollectionWatch:
    """The outcome of one CollectionRequested: completed, failed for good, or rejected."""

    def __init__(self, command: CollectionRequested):
        self.command = command

    def subjects(self) -> list[str]:
        """The event subjects that can carry this command's outcome."""
        family = f"{self.command.area}.{self.command.data_type}"
        return [f"{EVT_PREFIX}.collection.*.{family}", REJECTED_SUBJECT]

    @property
    def idle(self) -> bool:
        """Always False: a collection ends with one event, never by silence."""
        return False

    def settled(self) -> Update:
        """Not reachable: the wait loop only settles an idle watch."""
        raise RuntimeError("a collection's outcome is an event, never silence")

    def feed(self, event: Message) -> Update | None:
        """The update an event brings, or None when it is not about this command."""
        rejected = _rejection(self.command, event)
        if rejected is not None or event.correlation_id != self.command.correlation_id:
            return rejected
        if isinstance(event, CollectionCompleted):
            what = (
                "no data at the source"
                if event.no_data
                else (f"{event.points_written} points written, {event.points_changed} changed")
            )
            text = f"completed {event.area} {event.data_type} {event.window}: {what} "
            return Update(f"{text}({event.requests} requests)", final=True)
        if isinstance(event, CollectionFailed):
            return _failure(event)
        return None


@dataclass(slots=True)
class _Job:
    window: TimeWindow
    chunks_done: int = 0
    chunks_total: int = 0
    points_written: int = 0
    points_changed: int = 0
    done: bool = False


@dataclass(slots=True)
class BackfillWatch:
    """The progress and outcome of one BackfillRequested, which may become several jobs.

    The collector splits a request into jobs for the parts no earlier backfill covers, and events
    do not say how many jobs there are: the wait ends when the finished jobs cover the range, or
    when every job seen is finished and none more reports (see ``settled``).
    """

    command: BackfillRequested
    jobs: dict[UUID, _Job] = field(default_factory=dict)

    def subjects(self) -> list[str]:
        """The event subjects that carry this command's progress and outcome."""
        family = f"{self.command.area}.{self.command.data_type}"
        return [
            f"{EVT_PREFIX}.backfill.*.{family}",
            f"{EVT_PREFIX}.collection.failed.{family}",
            REJECTED_SUBJECT,
        ]

    @property
    def idle(self) -> bool:
        """True when at least one job was seen and every job seen has finished."""
        return bool(self.jobs) and all(job.done for job in self.jobs.values())

    def feed(self, event: Message) -> Update | None:
        """The update an event brings, or None when it is not about this command."""
        rejected = _rejection(self.command, event)
        if rejected is not None or event.correlation_id != self.command.correlation_id:
            return rejected
        if isinstance(event, BackfillProgress):
            job = self.jobs.setdefault(event.job_id, _Job(event.window))
            job.chunks_done = max(job.chunks_done, event.chunks_done)
            job.chunks_total = event.chunks_total
            job.points_written = max(job.points_written, event.points_written)
            return Update(self.progress_line(), progress=True)
        if isinstance(event, BackfillCompleted):
            return self._completed(event)
        if isinstance(event, CollectionFailed):
            return _failure(event)
        return None

    def _completed(self, event: BackfillCompleted) -> Update:
        job = self.jobs.setdefault(event.job_id, _Job(event.window))
        job.chunks_done = job.chunks_total = max(job.chunks_total, event.chunks)
        job.points_written, job.points_changed, job.done = (
            event.points_written,
            event.points_changed,
            True,
        )
        if event.window == self.command.window and event.chunks == 0:
            return self.summary("; nothing to do: earlier backfills cover the range")
        if event.window == self.command.window or self._covered():
            return self.summary()
        return Update(f"job for {event.window} finished; {self.progress_line()}", progress=True)

    def _covered(self) -> bool:
        reached = self.command.window.start
        finished = sorted(
            (job.window for job in self.jobs.values() if job.done), key=lambda w: w.start
        )
        for window in finished:
            if window.start > reached:
                return False
            reached = max(reached, window.end)
        return reached >= self.command.window.end

    def progress_line(self) -> str:
        """``chunks done/total, points written`` over every job seen so far."""
        done = sum(job.chunks_done for job in self.jobs.values())
        total = sum(job.chunks_total for job in self.jobs.values())
        written = sum(job.points_written for job in self.jobs.values())
        family = f"{self.command.area} {self.command.data_type}"
        return f"backfill {family}: chunks {done}/{total}, {written} points written"

    def summary(self, note: str = "") -> Update:
        """The final update once this command's jobs are done."""
        chunks = sum(job.chunks_done for job in self.jobs.values())
        written = sum(job.points_written for job in self.jobs.values())
        changed = sum(job.points_changed for job in self.jobs.values())
        text = (
            f"backfill completed {self.command.area} {self.command.data_type} "
            f"{self.command.window}: {chunks} chunks, {written} points written, {changed} changed"
        )
        return Update(text + note, final=True)

    def settled(self) -> Update:
        """The final update when all jobs seen are done and no other job reported in time."""
        return self.summary("; the rest of the range was already covered by earlier backfills")
