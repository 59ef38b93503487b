"""`gridstream collect` and `backfill` against a real NATS server; the test plays the collector."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar
from uuid import UUID, uuid4

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg

from gridstream.cli.main import main
from gridstream.contracts import (
    CMD_STREAM,
    BackfillCompleted,
    BackfillProgress,
    BackfillRequested,
    CollectionCompleted,
    CollectionFailed,
    CollectionRequested,
    Message,
    stream_for_subject,
)
from gridstream.runtime import ensure_streams
from gridstream.testing import free_port

M = TypeVar("M", BackfillProgress, BackfillCompleted)
Responder = Callable[[Client, bytes], Awaitable[None]]


@asynccontextmanager
async def _client(url: str) -> AsyncIterator[Client]:
    client = await nats.connect(url)
    try:
        await ensure_streams(client.jsm())
        yield client
    finally:
        await client.close()


async def publish_event(client: Client, event: Message) -> None:
    """Publish an event as a service would: to its stream, deduplicated by its id."""
    subject = event.subject()
    await client.jetstream().publish(
        subject,
        event.model_dump_json().encode(),
        stream=stream_for_subject(subject).name,
        headers={"Nats-Msg-Id": str(event.event_id)},
    )


@asynccontextmanager
async def playing_collector(url: str, subject: str, respond: Responder) -> AsyncIterator[Client]:
    """Answer every command published on ``subject`` with ``respond``."""
    async with _client(url) as client:

        async def on_command(msg: Msg) -> None:
            await respond(client, msg.data)

        await client.subscribe(subject, cb=on_command)
        yield client


async def cli(*args: str) -> int:
    """Run the CLI in a worker thread (it runs its own event loop), as `gridstream ...` would."""
    return await asyncio.to_thread(main, list(args))


async def _commands_stored(client: Client) -> int:
    info = await client.jsm().stream_info(CMD_STREAM.name)
    return int(info.state.messages)


BAD_INPUT = [
    (["collect", "XX", "actual_load"], "AREA: unknown area 'XX'"),
    (["collect", "DE_LU", "actual_lod"], "DATA_TYPE: unknown data type 'actual_lod'"),
    (
        [
            "collect",
            "DE_LU",
            "actual_load",
            "--start",
            "2024-01-01T00:00",
            "--end",
            "2024-01-02T00:00Z",
        ],
        "--start: naive datetime 2024-01-01T00:00:00 is not allowed",
    ),
    (
        [
            "collect",
            "DE_LU",
            "actual_load",
            "--start",
            "2024-01-01T00:00Z",
            "--end",
            "2024-06-01T00:00Z",
        ],
        "longer than P1M",
    ),
    (
        ["collect", "DE_LU", "actual_load", "--start", "2024-01-01T00:00Z"],
        "--end: --start and --end go together",
    ),
    (
        ["collect", "DE_LU", "crossborder_flow"],
        "--to-area: crossborder_flow needs the receiving area",
    ),
    (
        [
            "backfill",
            "DE_LU",
            "actual_load",
            "--start",
            "2024-02-01T00:00Z",
            "--end",
            "2024-01-01T00:00Z",
        ],
        "--start/--end: window end 2024-01-01T00:00:00Z must be after its start",
    ),
    (
        [
            "backfill",
            "NOPE",
            "actual_load",
            "--start",
            "2024-01-01T00:00Z",
            "--end",
            "2024-01-02T00:00Z",
        ],
        "AREA: unknown area 'NOPE'",
    ),
]


async def test_bad_input_exits_2_naming_the_problem_and_publishes_nothing(
    nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async with _client(nats_url) as client:
        for args, expected in BAD_INPUT:
            assert await cli(*args, "--nats", nats_url) == 2, args
            captured = capsys.readouterr()
            assert expected in captured.err, (args, captured.err)
            assert captured.out == ""
        assert await _commands_stored(client) == 0


def test_backfill_without_a_range_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["backfill", "DE_LU", "actual_load", "--end", "2024-01-02T00:00Z"])
    assert exc.value.code == 2
    assert "the following arguments are required: --start" in capsys.readouterr().err


async def test_collect_publishes_the_command_once_and_prints_its_id(
    nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "collect",
        "de-lu",
        "actual_load",
        "--start",
        "2024-01-01T00:00Z",
        "--end",
        "2024-01-02T00:00Z",
    ]
    assert await cli(*args, "--reason", "gap_fill", "--nats", nats_url) == 0
    captured = capsys.readouterr()
    command_id = UUID(captured.out.strip())
    assert (
        "published CollectionRequested on gridstream.cmd.collect.DE_LU.actual_load" in captured.err
    )
    async with _client(nats_url) as client:
        assert await _commands_stored(client) == 1
        stored = await client.jsm().get_last_msg(
            CMD_STREAM.name, "gridstream.cmd.collect.DE_LU.actual_load"
        )
    assert stored.headers is not None
    assert stored.headers["Nats-Msg-Id"] == str(command_id)
    command = CollectionRequested.model_validate_json(stored.data or b"")
    assert (command.event_id, command.reason, command.source) == (command_id, "gap_fill", "cli")


def _completed(command: CollectionRequested, **fields: object) -> CollectionCompleted:
    return CollectionCompleted.model_validate(
        {
            "area": command.area,
            "data_type": command.data_type,
            "window": command.window,  # None: the test gives the planned window
            "requests": 1,
            "points_written": 96,
            "points_changed": 0,
            "no_data": False,
            "api_seconds": 0.2,
            "processing_seconds": 0.1,
            "source": "collector",
            **command.caused(),
            **fields,
        }
    )


async def test_collect_wait_follows_retries_to_completion(
    nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def respond(client: Client, data: bytes) -> None:
        command = CollectionRequested.model_validate_json(data)
        stranger = CollectionRequested(
            area=command.area, data_type=command.data_type, window=command.window
        )
        await publish_event(client, _completed(stranger, points_written=1))
        await publish_event(
            client,
            CollectionFailed(
                area=command.area,
                data_type=command.data_type,
                window=command.window,
                error_kind="transient",
                message="HTTP 503 from ENTSO-E",
                attempt=1,
                will_retry=True,
                source="collector",
                **command.caused(),
            ),
        )
        await publish_event(client, _completed(command))

    args = [
        "collect",
        "DE_LU",
        "actual_load",
        "--start",
        "2024-01-01T00:00Z",
        "--end",
        "2024-01-02T00:00Z",
    ]
    async with playing_collector(nats_url, "gridstream.cmd.collect.>", respond):
        status = await cli(*args, "--wait", "--timeout", "30", "--nats", nats_url)
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    UUID(lines[0])
    assert lines[1:] == [
        "attempt 1 failed [2024-01-01T00:00:00Z, 2024-01-02T00:00:00Z) (transient): HTTP 503 from ENTSO-E; "
        "will retry",
        "completed DE_LU actual_load [2024-01-01T00:00:00Z, 2024-01-02T00:00:00Z): 96 points written, "
        "0 changed (1 requests)",
    ]


async def test_collect_wait_exits_1_on_a_final_failure(
    nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def respond(client: Client, data: bytes) -> None:
        command = CollectionRequested.model_validate_json(data)
        await publish_event(
            client,
            CollectionFailed(
                area=command.area,
                data_type=command.data_type,
                error_kind="auth",
                message="the security token is not valid",
                attempt=1,
                will_retry=False,
                source="collector",
                **command.caused(),
            ),
        )

    async with playing_collector(nats_url, "gridstream.cmd.collect.>", respond):
        status = await cli(
            "collect", "DE_LU", "day_ahead_price", "--wait", "--timeout", "30", "--nats", nats_url
        )
    assert status == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "attempt 1 failed (auth): the security token is not valid; giving up"
    )


async def test_backfill_wait_prints_progress_until_completed(
    nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def respond(client: Client, data: bytes) -> None:
        command = BackfillRequested.model_validate_json(data)
        job = command.event_id
        family = {
            "area": command.area,
            "data_type": command.data_type,
            "job_id": job,
            "window": command.window,
        }
        for done in (1, 2):
            await publish_event(
                client,
                BackfillProgress.model_validate(
                    {
                        **family,
                        "cursor": command.window.start,
                        "chunks_done": done,
                        "chunks_total": 2,
                        "points_written": 2976 * done,
                        "source": "collector",
                        **command.caused(),
                    }
                ),
            )
        await publish_event(
            client,
            BackfillCompleted.model_validate(
                {
                    **family,
                    "chunks": 2,
                    "points_written": 5952,
                    "points_changed": 0,
                    "source": "collector",
                    **command.caused(),
                }
            ),
        )

    args = [
        "backfill",
        "DE_LU",
        "actual_load",
        "--start",
        "2024-01-01T00:00Z",
        "--end",
        "2024-03-01T00:00Z",
    ]
    async with playing_collector(nats_url, "gridstream.cmd.backfill.>", respond):
        status = await cli(*args, "--wait", "--timeout", "30", "--nats", nats_url)
    assert status == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "backfill DE_LU actual_load: chunks 1/2, 2976 points written",
        "backfill DE_LU actual_load: chunks 2/2, 5952 points written",
        "backfill completed DE_LU actual_load [2024-01-01T00:00:00Z, 2024-03-01T00:00:00Z): 2 chunks, "
        "5952 points written, 0 changed",
    ]


def _job_event(command: Message, model: type[M], job: UUID, **fields: object) -> M:
    window = {"start": "2024-01-01T00:00Z", "end": "2024-02-01T00:00Z"}
    family = {"area": "DE_LU", "data_type": "actual_load", "job_id": job, "window": window}
    return model.model_validate(
        {**family, "jobs_total": 2, "source": "collector", **command.caused(), **fields}
    )


async def test_collect_wait_follows_the_backfill_jobs_of_a_split_latest_window(
    nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def respond(client: Client, data: bytes) -> None:
        command = CollectionRequested.model_validate_json(data)
        newest = {"start": "2024-02-01T00:00Z", "end": "2024-03-01T00:00Z"}
        await publish_event(client, _completed(command, window=newest, backfill_jobs=2))
        first, second = uuid4(), uuid4()
        progress = {"cursor": "2024-01-01T00:00Z", "chunks_total": 1, "chunks_done": 1}
        await publish_event(
            client, _job_event(command, BackfillProgress, first, points_written=96, **progress)
        )
        done = {"chunks": 1, "points_written": 96, "points_changed": 0}
        await publish_event(client, _job_event(command, BackfillCompleted, first, **done))
        await publish_event(client, _job_event(command, BackfillCompleted, second, **done))

    async with playing_collector(nats_url, "gridstream.cmd.collect.>", respond):
        status = await cli(
            "collect", "DE_LU", "actual_load", "--wait", "--timeout", "30", "--nats", nats_url
        )
    assert status == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "completed DE_LU actual_load [2024-02-01T00:00:00Z, 2024-03-01T00:00:00Z): 96 points "
        "written, 0 changed (1 requests); the older part goes to 2 backfill jobs",
        "backfill DE_LU actual_load: chunks 1/1, 96 points written",
        "backfill DE_LU actual_load: chunks 1/1, 96 points written",
        "completed DE_LU actual_load with 2 backfill jobs: 2 chunks, 192 points written, 0 changed",
    ]


async def test_wait_without_an_outcome_times_out_with_exit_1(
    nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        await cli(
            "collect", "DE_LU", "actual_load", "--wait", "--timeout", "0.5", "--nats", nats_url
        )
        == 1
    )
    assert "no outcome within 0.5s" in capsys.readouterr().err


async def test_unreachable_nats_is_reported_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    assert await cli("collect", "DE_LU", "actual_load", "--nats", url) == 1
    err = capsys.readouterr().err
    assert f"cannot reach NATS at {url} (Connection refused); is `gridstream up` running?" in err


def test_the_default_url_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    monkeypatch.setenv("GRIDSTREAM_NATS_URL", url)
    assert main(["collect", "DE_LU", "actual_load"]) == 1
    assert f"cannot reach NATS at {url}" in capsys.readouterr().err
