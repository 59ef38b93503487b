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
    """The outcome of one CollectionRequested: completed, failed for good, or rejected.

    After a long downtime the collector collects only the newest part of a "latest" window and
    hands the older rest to backfill jobs under the same correlation id; `backfill_jobs` on
    CollectionCompleted says how many, and the wait then ends when all of them have completed.
    """

    def __init__(self, command: CollectionRequested):
        self.command = command
        self.jobs = JobTally()
        self.collected: CollectionCompleted | None = None

    def subjects(self) -> list[str]:
        """The event subjects that can carry this command's outcome (its backfill jobs' too)."""
        family = f"{self.command.area}.{self.command.data_type}"
        return [
            f"{EVT_PREFIX}.collection.*.{family}",
            f"{EVT_PREFIX}.backfill.*.{family}",
            REJECTED_SUBJECT,
        ]

    def feed(self, event: Message) -> Update | None:
        """The update an event brings, or None when it is not about this command."""
        rejected = _rejection(self.command, event)
        if rejected is not None or event.correlation_id != self.command.correlation_id:
            return rejected
        if isinstance(event, CollectionCompleted):
            self.collected = event
            return self._outcome(_collection_line(event))
        if isinstance(event, CollectionFailed):
            return _failure(event)
        if isinstance(event, BackfillProgress):
            self.jobs.progress(event)
            return Update(self.jobs.progress_line(self.command), progress=True)
        if isinstance(event, BackfillCompleted):
            self.jobs.completed(event)
            return self._outcome(self.jobs.progress_line(self.command), progress=True)
        return None

    def _outcome(self, text: str, *, progress: bool = False) -> Update:
        """Final once the collection and every backfill job it became have completed."""
        collected = self.collected
        if collected is None or self.jobs.finished < collected.backfill_jobs:
            if collected is not None and collected.backfill_jobs and not progress:
                jobs = collected.backfill_jobs
                text += f"; the older part goes to {jobs} backfill job{'s' if jobs > 1 else ''}"
            return Update(text, progress=progress)
        if not collected.backfill_jobs:
            return Update(text, final=True)
        jobs = collected.backfill_jobs
        totals = self.jobs.totals()
        return Update(
            f"completed {collected.area} {collected.data_type} with {jobs} backfill "
            f"job{'s' if jobs > 1 else ''}: {totals}",
            final=True,
        )


def _collection_line(event: CollectionCompleted) -> str:
    what = (
        "no data at the source"
        if event.no_data
        else f"{event.points_written} points written, {event.points_changed} changed"
    )
    text = f"completed {event.area} {event.data_type} {event.window}: {what} "
    return f"{text}({event.requests} requests)"


@dataclass(slots=True)
class _Job:
    window: TimeWindow
    chunks_done: int = 0
    chunks_total: int = 0
    points_written: int = 0
    points_changed: int = 0
    done: bool = False


@dataclass(slots=True)
class JobTally:
    """The backfill jobs of one command, from their BackfillProgress and BackfillCompleted."""

    jobs: dict[UUID, _Job] = field(default_factory=dict)

    def progress(self, event: BackfillProgress) -> None:
        """Count a committed chunk (events may repeat or arrive out of order)."""
        job = self.jobs.setdefault(event.job_id, _Job(event.window))
        job.chunks_done = max(job.chunks_done, event.chunks_done)
        job.chunks_total = event.chunks_total
        job.points_written = max(job.points_written, event.points_written)

    def completed(self, event: BackfillCompleted) -> None:
        """Mark a job done with its final counts."""
        job = self.jobs.setdefault(event.job_id, _Job(event.window))
        job.chunks_done = job.chunks_total = max(job.chunks_total, event.chunks)
        job.points_written, job.points_changed, job.done = (
            event.points_written,
            event.points_changed,
            True,
        )

    @property
    def finished(self) -> int:
        """Jobs that have completed."""
        return sum(job.done for job in self.jobs.values())

    def progress_line(self, command: CollectionRequested | BackfillRequested) -> str:
        """``chunks done/total, points written`` over every job seen so far."""
        done = sum(job.chunks_done for job in self.jobs.values())
        total = sum(job.chunks_total for job in self.jobs.values())
        written = sum(job.points_written for job in self.jobs.values())
        family = f"{command.area} {command.data_type}"
        return f"backfill {family}: chunks {done}/{total}, {written} points written"

    def totals(self) -> str:
        """``N chunks, W points written, C changed`` over every job."""
        chunks = sum(job.chunks_done for job in self.jobs.values())
        written = sum(job.points_written for job in self.jobs.values())
        changed = sum(job.points_changed for job in self.jobs.values())
        return f"{chunks} chunks, {written} points written, {changed} changed"


@dataclass(slots=True)
class BackfillWatch:
    """The progress and outcome of one BackfillRequested, which may become several jobs.

    The collector fetches only the parts of the range no earlier backfill covers, one job per
    part; every event says how many jobs the request became (`jobs_total`), so the wait ends
    exactly when that many jobs have completed (at once when `jobs_total` is 0).
    """

    command: BackfillRequested
    tally: JobTally = field(default_factory=JobTally)
    jobs_total: int | None = None

    def subjects(self) -> list[str]:
        """The event subjects that carry this command's progress and outcome."""
        family = f"{self.command.area}.{self.command.data_type}"
        return [
            f"{EVT_PREFIX}.backfill.*.{family}",
            f"{EVT_PREFIX}.collection.failed.{family}",
            REJECTED_SUBJECT,
        ]

    def feed(self, event: Message) -> Update | None:
        """The update an event brings, or None when it is not about this command."""
        rejected = _rejection(self.command, event)
        if rejected is not None or event.correlation_id != self.command.correlation_id:
            return rejected
        if isinstance(event, BackfillProgress):
            self.jobs_total = event.jobs_total
            self.tally.progress(event)
            return Update(self.tally.progress_line(self.command), progress=True)
        if isinstance(event, BackfillCompleted):
            return self._completed(event)
        if isinstance(event, CollectionFailed):
            return _failure(event)
        return None

    def _completed(self, event: BackfillCompleted) -> Update:
        self.jobs_total = event.jobs_total
        if event.jobs_total == 0:
            return self.summary("; nothing to do: earlier backfills cover the range")
        self.tally.completed(event)
        finished = self.tally.finished
        if finished >= event.jobs_total:
            return self.summary()
        return Update(
            f"job {finished}/{event.jobs_total} for {event.window} finished; "
            f"{self.tally.progress_line(self.command)}",
            progress=True,
        )

    def summary(self, note: str = "") -> Update:
        """The final update once this command's jobs are done."""
        text = (
            f"backfill completed {self.command.area} {self.command.data_type} "
            f"{self.command.window}: {self.tally.totals()}"
        )
        return Update(text + note, final=True)
