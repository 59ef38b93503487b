"""One BackfillRequested delivered to two workers at once: one set of jobs, no 'already covered'."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gridstream.collector.app import MIGRATIONS
from gridstream.collector.backfill import BackfillDeps, accept_backfill
from gridstream.contracts import BackfillCompleted, BackfillRequested, TimeWindow, utcnow
from gridstream.runtime import create_engine, run_migrations, session_maker


class _NoFetcher:
    async def fetch_range(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise AssertionError("accepting a backfill fetches nothing")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, "collector")
    await run_migrations(engine, "collector", MIGRATIONS)
    yield engine
    await engine.dispose()


async def test_concurrent_deliveries_of_one_request_create_one_job_set(engine: AsyncEngine) -> None:
    deps = BackfillDeps(session_maker(engine), _NoFetcher(), utcnow, owner="test")
    commands = [
        BackfillRequested(
            area="NL",
            data_type="actual_load",
            window=TimeWindow(
                start=datetime(year, 1, 1, tzinfo=UTC), end=datetime(year, 4, 1, tzinfo=UTC)
            ),
        )
        for year in range(2015, 2023)
    ]
    for command in commands:
        # Two workers of two replicas, each on its own connection, take the same delivery.
        outcomes = await asyncio.gather(
            accept_backfill(deps, command), accept_backfill(deps, command)
        )
        # One accepts (one job); the other sees it accepted and announces nothing.
        assert sorted(len(jobs) if jobs is not None else -1 for jobs in outcomes) == [-1, 1]
    async with engine.connect() as conn:
        jobs = (await conn.execute(text("SELECT count(*) FROM backfill_jobs"))).scalar_one()
        subjects = (await conn.execute(text("SELECT subject, payload FROM outbox"))).all()
    assert jobs == len(commands)
    covered = [
        BackfillCompleted.model_validate_json(payload)
        for subject, payload in subjects
        if subject.startswith("gridstream.evt.backfill.completed")
    ]
    assert covered == [], "a request was announced as already covered by its own job"
