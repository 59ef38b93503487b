"""Fixtures of the scheduler's integration tests: settings, in-process schedulers, message logs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from nats.aio.client import Client
from pydantic import SecretStr

from gridstream.scheduler.app import Scheduler, build_scheduler
from gridstream.scheduler.settings import SchedulerSettings
from gridstream.testing import MessageLog, follow_stream

from .support import ADMIN_TOKEN, Clock


@pytest.fixture
def clock() -> Clock:
    """The application clock the in-process schedulers of a test share."""
    return Clock()


@pytest.fixture
def scheduler_settings(database_url: str, nats_url: str) -> Callable[..., SchedulerSettings]:
    """Settings for a test scheduler (no default schedules); keyword overrides change fields."""

    def make(**overrides: Any) -> SchedulerSettings:
        values: dict[str, Any] = {
            "database_url": SecretStr(database_url),
            "nats_url": nats_url,
            "http_port": 0,
            "admin_token": SecretStr(ADMIN_TOKEN),
            "default_schedules_enabled": False,
            "outbox_poll_interval": 0.2,
            "retry_base_delay": 0.2,
            "retry_max_delay": 1.0,
            "heartbeat_interval": 30.0,
            "lease_seconds": 3.0,
            "max_idle": 0.5,
        }
        values.update(overrides)
        return SchedulerSettings(**values)

    return make


@pytest.fixture
def run_scheduler(
    scheduler_settings: Callable[..., SchedulerSettings], clock: Clock
) -> Callable[..., AbstractAsyncContextManager[Scheduler]]:
    """Start a scheduler in this event loop on the test's clock; stopped when the block ends."""

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[Scheduler]:
        scheduler = build_scheduler(scheduler_settings(**overrides), clock=clock)
        async with scheduler.runner:
            yield scheduler

    return run


@pytest.fixture
async def events(nats_client: Client) -> AsyncIterator[MessageLog]:
    """Every event published (the stream is created by the scheduler; wait for it)."""
    async for log in follow_stream(nats_client, "GRIDSTREAM_EVT", "gridstream.evt.>"):
        yield log


@pytest.fixture
async def commands(nats_client: Client) -> AsyncIterator[MessageLog]:
    """Every command published, in stream order."""
    async for log in follow_stream(nats_client, "GRIDSTREAM_CMD", "gridstream.cmd.>"):
        yield log
