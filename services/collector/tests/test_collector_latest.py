"""Latest collections end with the simulator's values in the store and matching DataReady events."""

from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from gridstream.collector.app import Collector
from gridstream.collector.entsoe.client import EntsoeClient
from gridstream.collector.queries import PointsQuery, points_page
from gridstream.contracts import (
    CollectionCompleted,
    CollectionRequested,
    DataReady,
    DataType,
    SeriesKey,
)
from gridstream.runtime import create_engine, session_maker

from .support import SIM_TOKEN, EventLog, Harness, send

_MINUTE = timedelta(minutes=1)
FLOW_TARGET = {"DE_LU": "NL", "FR": "DE_LU", "NL": "DE_LU"}


def latest_commands(area: str) -> list[CollectionRequested]:
    return [
        CollectionRequested(
            area=area,
            data_type=data_type,
            to_area=FLOW_TARGET[area] if data_type is DataType.CROSSBORDER_FLOW else None,
        )
        for data_type in DataType
    ]


@pytest.mark.parametrize("area", ["DE_LU", "FR", "NL"])
async def test_latest_collection_of_every_type(
    h: Harness,
    area: str,
    sim_url: str,
) -> None:
    async with h.run(entsoe_rate_per_second=6.0) as collector:
        commands = latest_commands(area)
        for command in commands:
            await send(h.nats, command)
        for command in commands:
            await h.events.wait_for(
                CollectionCompleted, within=60, correlation_id=command.correlation_id
            )
        async with httpx.AsyncClient(base_url=collector.runner.url) as http:
            series = (await http.get("/v1/series", params={"area": area})).json()
            assert {s["data_type"] for s in series} >= {dt.value for dt in DataType}
            ready = h.events.of(DataReady)
            for row in series[:5]:
                body = (
                    await http.get(
                        f"/v1/series/{row['id']}/points",
                        params={"start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z"},
                    )
                ).json()
                stored = {p[0]: p[1] for p in body["points"]}
                announced = {
                    ts.isoformat().replace("+00:00", "Z"): v
                    for e in ready
                    if e.series.model_dump(mode="json")
                    == {k: row[k] for k in ("area", "data_type", "qualifier")}
                    for ts, v in e.points
                }
                assert stored
                assert stored == announced
        await _store_matches_simulator(collector, h.events, sim_url)


async def _store_matches_simulator(collector: Collector, events: EventLog, sim_url: str) -> None:
    """Every point the simulator serves for each collected window is in the store, same value."""
    settings_url = collector.settings.database_url
    engine = create_engine(settings_url, "collector")
    sessions = session_maker(engine)
    checked = 0
    async with EntsoeClient(f"{sim_url}/api", SecretStr(SIM_TOKEN)) as client:
        for done in events.of(CollectionCompleted):
            to_area = (
                FLOW_TARGET[done.area] if done.data_type is DataType.CROSSBORDER_FLOW else None
            )
            results = await client.fetch_range(
                done.data_type, done.area, done.window.start, done.window.end, to_area=to_area
            )
            for series in (s for r in results for s in r.document.series):
                expected = dict(series.points())
                async with sessions() as session:
                    page = await points_page(
                        session,
                        PointsQuery(
                            series=SeriesKey.model_validate(series.key.model_dump()),
                            start=min(expected),
                            end=max(expected) + (max(expected) - min(expected)) / 10 + _MINUTE,
                            limit=100_000,
                        ),
                    )
                stored = {ts: v for ts, v, _ in page.points}
                assert {ts: stored.get(ts) for ts in expected} == expected
                checked += len(expected)
    await engine.dispose()
    assert checked > 0
