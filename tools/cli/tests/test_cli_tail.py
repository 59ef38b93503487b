"""`gridstream tail` against a real NATS server: replay, live following, Ctrl-C, bad subjects."""

import asyncio
import json
import signal
import sys
from datetime import UTC, datetime

import nats
import pytest
from nats.aio.client import Client

from gridstream.cli.main import main
from gridstream.cli.nats_client import Received
from gridstream.cli.tail_cmd import json_line
from gridstream.contracts import (
    CollectionCompleted,
    DataType,
    Message,
    ServiceHeartbeat,
    TimeWindow,
    stream_for_subject,
)
from gridstream.runtime import ensure_streams

WINDOW = TimeWindow(start=datetime(2024, 1, 1, tzinfo=UTC), end=datetime(2024, 1, 2, tzinfo=UTC))


def _completed() -> CollectionCompleted:
    return CollectionCompleted(
        area="DE_LU",
        data_type=DataType.ACTUAL_LOAD,
        window=WINDOW,
        requests=1,
        points_written=96,
        points_changed=0,
        no_data=False,
        api_seconds=0.1,
        processing_seconds=0.1,
        source="collector",
    )


def _heartbeat() -> ServiceHeartbeat:
    now = datetime.now(UTC)
    return ServiceHeartbeat(
        service="collector", instance="host-1", started_at=now, interval_seconds=30, version="0.1.0"
    )


async def _publish(url: str, *events: Message) -> None:
    client: Client = await nats.connect(url)
    try:
        await ensure_streams(client.jsm())
        for event in events:
            subject = event.subject()
            await client.jetstream().publish(
                subject,
                event.model_dump_json().encode(),
                stream=stream_for_subject(subject).name,
                headers={"Nats-Msg-Id": str(event.event_id)},
            )
    finally:
        await client.close()


async def test_tail_from_start_replays_events_as_json_lines(
    nats_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    completed, heartbeat = _completed(), _heartbeat()
    await _publish(nats_url, completed, heartbeat)
    args = ["tail", "--from-start", "--count", "2", "--nats", nats_url]
    assert await asyncio.to_thread(main, args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["subject"] for line in lines] == [completed.subject(), heartbeat.subject()]
    assert [line["seq"] for line in lines] == [1, 2]
    assert CollectionCompleted.model_validate(lines[0]["event"]) == completed


async def test_tail_filters_by_subject(nats_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    completed = _completed()
    await _publish(nats_url, _heartbeat(), completed)
    args = [
        "tail",
        "gridstream.evt.collection.>",
        "--from-start",
        "--count",
        "1",
        "--nats",
        nats_url,
    ]
    assert await asyncio.to_thread(main, args) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["event"]["event_id"] == str(completed.event_id)


async def test_tail_follows_new_events_until_ctrl_c(nats_url: str) -> None:
    await _publish(nats_url, _heartbeat())  # published before tail starts: not shown
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gridstream.cli.main",
        "tail",
        "--nats",
        nats_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        assert process.stdout is not None
        ready = await asyncio.wait_for(process.stderr.readline(), 30)
        assert ready.decode().startswith(f"following gridstream.evt.> on {nats_url} from now")
        completed = _completed()
        await _publish(nats_url, completed)
        line = await asyncio.wait_for(process.stdout.readline(), 10)
        assert json.loads(line)["event"]["event_id"] == str(completed.event_id)
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 10) == 0
        assert await process.stdout.read() == b""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_tail_refuses_a_subject_no_stream_stores(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tail", "gridstream.>", "--nats", "nats://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "SUBJECT: no gridstream stream stores 'gridstream.>'" in err


def test_a_payload_that_is_not_json_is_shown_raw() -> None:
    line = json_line(Received("gridstream.evt.x.y", b"\xffnot json", 7))
    assert json.loads(line) == {"subject": "gridstream.evt.x.y", "seq": 7, "raw": "\ufffdnot json"}
