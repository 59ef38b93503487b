"""Two collector processes share one durable consumer and one ENTSO-E rate limit."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from gridstream.contracts import CollectionCompleted, CollectionRequested, TimeWindow
from gridstream.entsoe_sim.config import SimConfig

from .support import SIM_TOKEN, Harness, send

SIM_LIMIT_PER_SECOND = 5


@pytest.fixture
def sim_config() -> SimConfig:
    """A simulator that refuses more than 5 requests per token in any 1 s."""
    return SimConfig(
        tokens=(SecretStr(SIM_TOKEN),),
        rate_limit_per_minute=SIM_LIMIT_PER_SECOND,
        rate_limit_window_seconds=1.0,
    )


class CountingTransport(httpx.AsyncHTTPTransport):
    """Counts the requests one collector process sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return await super().handle_async_request(request)


async def test_two_collectors_never_exceed_the_shared_limit(
    h: Harness,
) -> None:
    start = datetime(2025, 1, 1, 23, tzinfo=UTC)
    commands = [
        CollectionRequested(
            area=area,
            data_type="actual_load",
            window=TimeWindow(start=start + timedelta(days=d), end=start + timedelta(days=d + 1)),
        )
        for area in ("NL", "BE", "FR", "DE_LU")
        for d in range(6)
    ]
    one, two = CountingTransport(), CountingTransport()
    # 2 saved up + 3/s refilled: at most 5 in any second across both processes.
    limits = {"entsoe_rate_per_second": 3.0, "entsoe_burst": 2, "command_batch_size": 2}
    async with h.run(transport=one, **limits), h.run(transport=two, **limits):
        for command in commands:
            await send(h.nats, command)
        for command in commands:
            await h.events.wait_for(CollectionCompleted, correlation_id=command.event_id, within=60)
    stats = await h.sim.admin("GET", "/admin/stats")
    [token] = stats["by_token"].values()
    assert stats["by_status"] == {"200": len(commands)}
    assert token["max_per_1s"] <= SIM_LIMIT_PER_SECOND
    assert one.sent > 0
    assert two.sent > 0
    assert one.sent + two.sent == len(commands)
