"""Helpers shared by the collector's integration tests (imported by conftest and the tests)."""

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from nats.aio.client import Client
from sqlalchemy import text

from gridstream.collector.app import Collector
from gridstream.collector.handlers import COLLECT_SUBJECT
from gridstream.contracts import CollectionRequested, Message, TimeWindow
from gridstream.runtime import create_engine, durable_name
from gridstream.testing import MessageLog, wait_until

SIM_TOKEN = "sim-token-5e3f9c"  # a test token; the secret tests search logs for it


EventLog = MessageLog
"""Every event published on gridstream.evt.> since the log started, decoded."""


@dataclass
class Sim:
    """A running simulator: its base URL and the query of every /api request it received."""

    url: str
    requests: list[dict[str, str]] = field(default_factory=list)

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call the simulator's admin API."""
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.request(method, path, json=body)
            response.raise_for_status()
            return response.json()

    def windows(self, document_type: str) -> list[tuple[str, str]]:
        """(periodStart, periodEnd) of every request for a document type, in arrival order."""
        return [
            (q["periodStart"], q["periodEnd"])
            for q in self.requests
            if q.get("documentType") == document_type
        ]


async def send(client: Client, message: Message) -> None:
    """Publish a command the way any NATS client would (JSON body, Nats-Msg-Id)."""
    ack = await client.jetstream().publish(
        message.subject(),
        message.model_dump_json().encode(),
        headers={"Nats-Msg-Id": str(message.event_id)},
        timeout=5,
    )
    assert ack.stream == "GRIDSTREAM_CMD"


async def send_raw(client: Client, subject: str, body: dict[str, Any] | bytes) -> None:
    """Publish an arbitrary (possibly malformed) payload to a command subject."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    await client.jetstream().publish(subject, data, timeout=5)


DAY = TimeWindow(
    start=datetime(2025, 3, 10, 23, tzinfo=UTC), end=datetime(2025, 3, 11, 23, tzinfo=UTC)
)
COLLECT_DURABLE = durable_name("collector", COLLECT_SUBJECT)


def load_command() -> CollectionRequested:
    return CollectionRequested(area="NL", data_type="actual_load", window=DAY)


async def scalar(database_url: str, sql: str) -> int:
    engine = create_engine(database_url, "collector")
    async with engine.connect() as conn:
        value = (await conn.execute(text(sql))).scalar_one()
    await engine.dispose()
    return int(value)


async def execute(database_url: str, *statements: str) -> None:
    """Run SQL statements in one transaction (test set-up)."""
    engine = create_engine(database_url, "collector")
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


async def refuse_observations(database_url: str) -> None:
    """Make every insert into observations fail (a database refusing writes)."""
    await execute(
        database_url,
        "CREATE FUNCTION collector.refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'observations are read-only today'; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON collector.observations "
        "FOR EACH ROW EXECUTE FUNCTION collector.refuse()",
    )


async def commands_settled(client: Client, delivered: int) -> None:
    """Wait until the collector's command consumer has handled and acked `delivered` messages."""

    async def idle() -> bool:
        info = await client.jetstream().consumer_info("GRIDSTREAM_CMD", COLLECT_DURABLE)
        return bool(
            info.delivered.stream_seq >= delivered
            and info.num_ack_pending == 0
            and info.num_pending == 0
        )

    await wait_until(idle, timeout=30, description=f"{delivered} command(s) acked")


async def outbox_drained(database_url: str) -> None:
    sql = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
    await wait_until(lambda: _is_zero(database_url, sql), timeout=20, description="outbox drained")


async def _is_zero(database_url: str, sql: str) -> bool:
    return await scalar(database_url, sql) == 0


@dataclass(frozen=True)
class Harness:
    """What a collector integration test works with: a collector starter and the real servers."""

    run: Callable[..., AbstractAsyncContextManager[Collector]]
    """Start a collector in this event loop (keyword overrides change its settings)."""
    nats: Client
    events: EventLog
    database_url: str
    sim: Sim
