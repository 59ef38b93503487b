"""Following a command to its outcome, event by event (pure state machines and the wait loop)."""

import asyncio
import io
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from gridstream.cli.errors import CliError
from gridstream.cli.follow import Printer, wait_for_outcome
from gridstream.cli.nats_client import Received
from gridstream.cli.watching import BackfillWatch, CollectionWatch
from gridstream.contracts import (
    BackfillCompleted,
    BackfillProgress,
    BackfillRequested,
    CollectionCompleted,
    CollectionFailed,
    CollectionRequested,
    CommandRejected,
    DataType,
    Message,
    TimeWindow,
)

JAN = TimeWindow(start=datetime(2024, 1, 1, tzinfo=UTC), end=datetime(2024, 1, 2, tzinfo=UTC))
Q1 = TimeWindow(start=datetime(2024, 1, 1, tzinfo=UTC), end=datetime(2024, 4, 1, tzinfo=UTC))
FEB_MAR = TimeWindow(start=datetime(2024, 2, 1, tzinfo=UTC), end=datetime(2024, 4, 1, tzinfo=UTC))
LOAD = DataType.ACTUAL_LOAD


def _collect() -> CollectionRequested:
    return CollectionRequested(area="DE_LU", data_type=LOAD, window=JAN)


def _backfill() -> BackfillRequested:
    return BackfillRequested(area="DE_LU", data_type=LOAD, window=Q1)


def _completed(command: Message, **overrides: object) -> CollectionCompleted:
    fields: dict[str, object] = {
        "area": "DE_LU",
        "data_type": LOAD,
        "window": JAN,
        "requests": 1,
        "points_written": 96,
        "points_changed": 0,
        "no_data": False,
        "api_seconds": 0.1,
        "processing_seconds": 0.1,
        "source": "collector",
        **command.caused(),
    }
    return CollectionCompleted.model_validate({**fields, **overrides})


def _failed(command: Message, *, will_retry: bool, attempt: int = 1) -> CollectionFailed:
    return CollectionFailed(
        area="DE_LU",
        data_type=LOAD,
        window=JAN,
        error_kind="transient",
        message="HTTP 503",
        attempt=attempt,
        will_retry=will_retry,
        source="collector",
        **command.caused(),
    )


def _progress(
    command: Message,
    job: object,
    window: TimeWindow,
    done: int,
    total: int,
    points: int,
    jobs: int = 1,
) -> BackfillProgress:
    return BackfillProgress.model_validate(
        {
            "area": "DE_LU",
            "data_type": LOAD,
            "job_id": job,
            "window": window,
            "cursor": window.start,
            "chunks_done": done,
            "chunks_total": total,
            "points_written": points,
            "jobs_total": jobs,
            "source": "collector",
            **command.caused(),
        }
    )


def _job_done(
    command: Message, job: object, window: TimeWindow, chunks: int, points: int, jobs: int = 1
) -> BackfillCompleted:
    return BackfillCompleted.model_validate(
        {
            "area": "DE_LU",
            "data_type": LOAD,
            "job_id": job,
            "window": window,
            "chunks": chunks,
            "points_written": points,
            "points_changed": 1,
            "jobs_total": jobs,
            "source": "collector",
            **command.caused(),
        }
    )


def test_collection_completes_with_the_counts() -> None:
    command = _collect()
    update = CollectionWatch(command).feed(_completed(command))
    assert update is not None
    assert (update.final, update.exit_code) == (True, 0)
    assert update.text == (
        "completed DE_LU actual_load [2024-01-01T00:00:00Z, 2024-01-02T00:00:00Z): "
        "96 points written, 0 changed (1 requests)"
    )


def test_collection_says_when_the_source_had_no_data() -> None:
    command = _collect()
    update = CollectionWatch(command).feed(_completed(command, no_data=True, points_written=0))
    assert update is not None
    assert "no data at the source" in update.text


def test_events_of_other_commands_are_ignored() -> None:
    watch = CollectionWatch(_collect())
    assert watch.feed(_completed(_collect())) is None
    other_rejection = CommandRejected(
        command_subject="gridstream.cmd.collect.DE_LU.actual_load",
        command_id=str(uuid4()),
        consumer="collector",
        reason="bad",
    )
    assert watch.feed(other_rejection) is None


def test_collection_waits_through_retries_and_stops_on_the_final_failure() -> None:
    command = _collect()
    watch = CollectionWatch(command)
    retry = watch.feed(_failed(command, will_retry=True))
    assert retry is not None
    assert not retry.final
    assert retry.text.endswith("(transient): HTTP 503; will retry")
    final = watch.feed(_failed(command, will_retry=False, attempt=5))
    assert final is not None
    assert (final.final, final.exit_code) == (True, 1)
    assert final.text.startswith("attempt 5 failed")


def test_a_rejected_command_ends_the_wait_with_failure() -> None:
    command = _collect()
    rejection = CommandRejected(
        command_subject=command.subject(),
        command_id=str(command.event_id),
        consumer="collector",
        reason="window: too long",
    )
    update = CollectionWatch(command).feed(rejection)
    assert update is not None
    assert (update.final, update.exit_code, update.text) == (
        True,
        1,
        "rejected by collector: window: too long",
    )


def test_backfill_shows_progress_and_ends_on_completion() -> None:
    command = _backfill()
    watch = BackfillWatch(command)
    job = uuid4()
    first = watch.feed(_progress(command, job, Q1, 1, 3, 2976))
    assert first is not None
    assert (first.progress, first.final) == (True, False)
    assert first.text == "backfill DE_LU actual_load: chunks 1/3, 2976 points written"
    done = watch.feed(_job_done(command, job, Q1, 3, 8736))
    assert done is not None
    assert (done.final, done.exit_code) == (True, 0)
    assert done.text == (
        "backfill completed DE_LU actual_load [2024-01-01T00:00:00Z, 2024-04-01T00:00:00Z): "
        "3 chunks, 8736 points written, 1 changed"
    )


def test_backfill_of_several_jobs_ends_when_all_have_completed() -> None:
    command = _backfill()
    watch = BackfillWatch(command)
    first, second = uuid4(), uuid4()
    watch.feed(_progress(command, first, JAN, 1, 1, 96, jobs=2))
    partial = watch.feed(_job_done(command, first, JAN, 1, 96, jobs=2))
    assert partial is not None
    assert not partial.final
    assert partial.text.startswith("job 1/2 for ")
    rest = TimeWindow(start=JAN.end, end=Q1.end)
    watch.feed(_progress(command, second, rest, 1, 3, 500, jobs=2))
    final = watch.feed(_job_done(command, second, rest, 3, 8000, jobs=2))
    assert final is not None
    assert final.final
    assert "4 chunks, 8096 points written, 2 changed" in final.text


def test_backfill_already_covered_says_so() -> None:
    command = _backfill()
    update = BackfillWatch(command).feed(_job_done(command, uuid4(), Q1, 0, 0, jobs=0))
    assert update is not None
    assert update.final
    assert update.text.endswith("nothing to do: earlier backfills cover the range")


async def _run_wait(
    watch: BackfillWatch | CollectionWatch,
    events: list[Message],
    *,
    timeout: float | None,  # noqa: ASYNC109 passed on to the wait loop
) -> tuple[int, str]:
    queue: asyncio.Queue[Received] = asyncio.Queue()
    for event in events:
        await queue.put(Received(event.subject(), event.model_dump_json().encode(), None))
    await queue.put(
        Received("gridstream.evt.collection.completed.DE_LU.actual_load", b"not json", None)
    )
    out = io.StringIO()
    status = await wait_for_outcome(queue, watch, Printer(out), timeout=timeout)
    return status, out.getvalue()


async def test_wait_ends_a_backfill_when_its_only_job_completes() -> None:
    command = _backfill()
    job = uuid4()
    events: list[Message] = [
        _progress(command, job, FEB_MAR, 2, 2, 100),
        _job_done(command, job, FEB_MAR, 2, 100),
    ]
    status, output = await _run_wait(BackfillWatch(command), events, timeout=None)
    assert status == 0
    assert output.splitlines()[-1].endswith("2 chunks, 100 points written, 1 changed")


async def test_wait_prints_each_update_and_returns_the_exit_code() -> None:
    command = _collect()
    events: list[Message] = [
        _failed(command, will_retry=True),
        _failed(command, will_retry=False, attempt=2),
    ]
    status, output = await _run_wait(CollectionWatch(command), events, timeout=5)
    assert status == 1
    assert [line.split(" failed")[0] for line in output.splitlines()] == ["attempt 1", "attempt 2"]


async def test_wait_gives_up_after_the_timeout_naming_the_command() -> None:
    command = _collect()
    with pytest.raises(CliError) as caught:
        await _run_wait(CollectionWatch(command), [], timeout=0.2)
    assert str(caught.value).startswith(f"no outcome within 0.2s; command {command.event_id}")


def test_a_latest_collection_split_into_backfill_jobs_ends_when_every_job_completed() -> None:
    command = CollectionRequested(area="DE_LU", data_type=LOAD)
    watch = CollectionWatch(command)
    assert "gridstream.evt.backfill.*.DE_LU.actual_load" in watch.subjects()
    newest = watch.feed(_completed(command, backfill_jobs=2))
    assert newest is not None
    assert not newest.final
    assert newest.text.endswith("(1 requests); the older part goes to 2 backfill jobs")
    first, second = uuid4(), uuid4()
    progress = watch.feed(_progress(command, first, JAN, 1, 1, 96, jobs=2))
    assert progress is not None
    assert (progress.progress, progress.final) == (True, False)
    assert progress.text == "backfill DE_LU actual_load: chunks 1/1, 96 points written"
    partial = watch.feed(_job_done(command, first, JAN, 1, 96, jobs=2))
    assert partial is not None
    assert not partial.final
    assert watch.feed(_job_done(_collect(), second, FEB_MAR, 2, 5, jobs=2)) is None
    final = watch.feed(_job_done(command, second, FEB_MAR, 2, 200, jobs=2))
    assert final is not None
    assert (final.final, final.exit_code) == (True, 0)
    assert final.text == (
        "completed DE_LU actual_load with 2 backfill jobs: 3 chunks, 296 points written, 2 changed"
    )


def test_backfill_jobs_finishing_before_the_collection_event_end_the_wait_with_it() -> None:
    command = CollectionRequested(area="DE_LU", data_type=LOAD)
    watch = CollectionWatch(command)
    job = uuid4()
    early = watch.feed(_job_done(command, job, FEB_MAR, 2, 200))
    assert early is not None
    assert not early.final
    final = watch.feed(_completed(command, backfill_jobs=1))
    assert final is not None
    assert final.final
    assert final.text.startswith("completed DE_LU actual_load with 1 backfill job: 2 chunks")


def test_a_backfill_job_failing_for_good_ends_a_collection_wait_with_failure() -> None:
    command = CollectionRequested(area="DE_LU", data_type=LOAD)
    watch = CollectionWatch(command)
    watch.feed(_completed(command, backfill_jobs=1))
    retry = watch.feed(_failed(command, will_retry=True))
    assert retry is not None
    assert not retry.final
    final = watch.feed(_failed(command, will_retry=False, attempt=3))
    assert final is not None
    assert (final.final, final.exit_code) == (True, 1)


async def test_wait_follows_a_split_collection_to_its_last_backfill_job() -> None:
    command = CollectionRequested(area="DE_LU", data_type=LOAD)
    job = uuid4()
    events: list[Message] = [
        _completed(command, backfill_jobs=1),
        _progress(command, job, FEB_MAR, 1, 2, 50),
        _progress(command, job, FEB_MAR, 2, 2, 100),
        _job_done(command, job, FEB_MAR, 2, 100),
    ]
    status, output = await _run_wait(CollectionWatch(command), events, timeout=5)
    assert status == 0
    lines = output.splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("completed DE_LU actual_load with 1 backfill job: 2 chunks")
