"""Points over NATS request/reply: a page never exceeds the server's max_payload; next_after pages on."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from gridstream.collector.rpc import POINTS_SUBJECT
from gridstream.collector.upserts import ensure_series, upsert_points
from gridstream.contracts import Resolution, SeriesKey, isoformat_z
from gridstream.runtime import create_engine, session_maker

from .support import Harness

T0 = datetime(2020, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=15)
COUNT = 100_000  # about 4 MiB of JSON: four times NATS's default max_payload (1 MiB)
KEY = SeriesKey(area="NL", data_type="actual_load")


async def store_points(database_url: str) -> int:
    engine = create_engine(database_url, "collector")
    try:
        async with session_maker(engine).begin() as session:
            sid = await ensure_series(session, KEY, "MW")
            points = [(T0 + i * STEP, float(i) + 0.25) for i in range(COUNT)]
            await upsert_points(session, sid, Resolution.PT15M, points)
    finally:
        await engine.dispose()
    return sid


async def test_a_large_points_request_is_paged_within_max_payload(h: Harness) -> None:
    async with h.run():
        sid = await store_points(h.database_url)
        max_payload = h.nats.max_payload
        request = {
            "series_id": sid,
            "start": isoformat_z(T0),
            "end": isoformat_z(T0 + COUNT * STEP),
            "limit": COUNT,
        }
        pages: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            body = json.dumps(request | ({"after": after} if after else {})).encode()
            reply = await h.nats.request(POINTS_SUBJECT, body, timeout=30)
            assert len(reply.data) <= max_payload
            page = json.loads(reply.data)
            pages.append(page)
            after = page["next_after"]
            if after is None:
                break
    assert len(pages) > 1
    assert pages[0]["next_after"] is not None
    points = [tuple(p) for page in pages for p in page["points"]]
    expected = [(isoformat_z(T0 + i * STEP), float(i) + 0.25, "PT15M") for i in range(COUNT)]
    assert points == expected  # every point, once, in order
