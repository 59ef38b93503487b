"""Helpers shared by the scheduler's integration tests: a controllable clock, message logs, SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from nats.aio.client import Client
from sqlalchemy import text

from gridstream.contracts import Message, stream_for_subject
from gridstream.runtime import create_engine
from gridstream.testing import wait_until

ADMIN_TOKEN = "scheduler-admin-token-7c1d"
SCHEMA = "scheduler"
T0 = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
"""Where the controllable clock starts: a whole minute, so `every: 60` fires fall on it."""


class Clock:
    """The scheduler's application clock in tests: it moves only when told to."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        """Move the clock on; the new time."""
        self.now += timedelta(seconds=seconds)
        return self.now


async def rows(database_url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of a statement in the scheduler's schema, as dicts (committed: it may write)."""
    engine = create_engine(database_url, SCHEMA)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return [dict(row._mapping) for row in result]
    finally:
        await engine.dispose()


async def fires(database_url: str, schedule: str) -> list[tuple[datetime, str]]:
    """(fire time, status) of a schedule's fires, oldest first."""
    found = await rows(
        database_url,
        "SELECT fire_time, status FROM fires WHERE schedule = :s ORDER BY fire_time",
        s=schedule,
    )
    return [(row["fire_time"], row["status"]) for row in found]


async def wait_statuses(database_url: str, schedule: str, expected: list[str]) -> None:
    """Wait until a schedule's fires, oldest first, have the ``expected`` statuses."""

    async def reached() -> bool:
        return [status for _, status in await fires(database_url, schedule)] == expected

    await wait_until(reached, timeout=30, description=f"{schedule} fires {expected}")


async def publish_event(client: Client, event: Message) -> None:
    """Publish an event as a service would: to its stream, deduplicated by its id."""
    subject = event.subject()
    await client.jetstream().publish(
        subject,
        event.model_dump_json().encode(),
        stream=stream_for_subject(subject).name,
        headers={"Nats-Msg-Id": str(event.event_id)},
    )


def admin(base_url: str) -> httpx.AsyncClient:
    """An HTTP client of a scheduler's API with the admin token."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    return httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10.0)


def every(name: str, seconds: int, **fields: Any) -> dict[str, Any]:
    """An interval schedule collecting NL actual load (its window relative to the fire time)."""
    return {
        "name": name,
        "every": seconds,
        "command_type": "CollectionRequested",
        "command": {
            "area": "NL",
            "data_type": "actual_load",
            "window": {"relative": {"last": "PT1H"}},
        },
        **fields,
    }
