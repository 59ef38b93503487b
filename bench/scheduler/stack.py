"""The servers a run uses (embedded nats-server and pgserver) and a recorder of stored commands."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from bench.ingest.server import Server, bench_server
from gridstream.runtime import ensure_streams
from gridstream.testing import EmbeddedNatsServer

COMMANDS = "gridstream.cmd.>"


@dataclass(frozen=True)
class Stack:
    """Where the servers listen, the folder for logs, and what the PostgreSQL server is."""

    nats_url: str
    postgres: Server
    folder: Path


@contextmanager
def stack(database_url: str | None = None) -> Iterator[Stack]:
    """A fresh nats-server (JetStream, file store) and PostgreSQL (default durability), then gone."""
    with tempfile.TemporaryDirectory(prefix="gridstream-bench-scheduler-") as folder:
        server = EmbeddedNatsServer.start_fresh(Path(folder) / "nats")
        try:
            with bench_server(database_url) as postgres:
                yield Stack(server.url, postgres, Path(folder))
        finally:
            server.stop()


@dataclass(frozen=True)
class Stored:
    """One command as JetStream stored it: its id, subject, body and the server's stored time."""

    event_id: str
    subject: str
    body: dict[str, Any]
    stored: datetime


@dataclass
class Recorder:
    """Every command JetStream stores, in stream order, with its stored time (from the metadata)."""

    messages: list[Stored] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_message(self, msg: Msg) -> None:
        """Keep one delivered command."""
        event_id = (msg.headers or {}).get("Nats-Msg-Id", "")
        self.messages.append(
            Stored(event_id, msg.subject, json.loads(msg.data), msg.metadata.timestamp)
        )
        self.arrived.set()

    def stored_after(self, instant: datetime) -> list[Stored]:
        """The commands stored after ``instant``."""
        return [m for m in self.messages if m.stored > instant]

    async def wait(self, predicate: Any, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until ``predicate()`` holds, re-checking at each arrival; TimeoutError otherwise."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self.arrived.clear()
                await self.arrived.wait()


@asynccontextmanager
async def recording(nats_url: str) -> AsyncIterator[Recorder]:
    """Create the contract streams and record every command stored from now on."""
    client: Client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        await ensure_streams(js)
        recorder = Recorder()
        sub = await js.subscribe(COMMANDS, ordered_consumer=True, cb=recorder.on_message)
        try:
            yield recorder
        finally:
            await sub.unsubscribe()
    finally:
        await client.close()
