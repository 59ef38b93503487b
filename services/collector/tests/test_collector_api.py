"""The read API over HTTP and NATS request/reply, against stored simulator data."""

import csv
import io
import json

import httpx

from gridstream.collector.rpc import POINTS_SUBJECT
from gridstream.contracts import CollectionCompleted, ServiceHeartbeat, isoformat_z

from .support import DAY, Harness, load_command, send

WINDOW = {"start": isoformat_z(DAY.start), "end": isoformat_z(DAY.end)}


async def test_read_api(
    h: Harness,
) -> None:
    command = load_command()
    async with (
        h.run() as collector,
        httpx.AsyncClient(base_url=collector.runner.url) as http,
    ):
        await send(h.nats, command)
        await h.events.wait_for(CollectionCompleted, correlation_id=command.event_id)
        [beat] = (await h.events.wait_for(ServiceHeartbeat, service="collector"))[:1]
        assert beat.interval_seconds == collector.settings.heartbeat_interval
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        metrics = (await http.get("/metrics")).text
        assert "gridstream_outbox_published" in metrics

        [series] = (await http.get("/v1/series", params={"data_type": "actual_load"})).json()
        assert series | {"id": 0} == {
            "id": 0,
            "area": "NL",
            "data_type": "actual_load",
            "qualifier": "",
            "unit": "MW",
        }
        assert (await http.get("/v1/series", params={"area": "FR"})).json() == []
        points_url = f"/v1/series/{series['id']}/points"

        full = (await http.get(points_url, params=WINDOW)).json()
        assert len(full["points"]) == 96
        assert full["next_after"] is None
        assert full["points"][0][0] == WINDOW["start"]
        assert full["points"][0][2] == "PT15M"

        pages, after = [], None
        while True:
            params = {**WINDOW, "limit": "40"} | ({"after": after} if after else {})
            page = (await http.get(points_url, params=params)).json()
            pages.append(page["points"])
            after = page["next_after"]
            if after is None:
                break
        assert [len(p) for p in pages] == [40, 40, 16]
        assert [p for chunk in pages for p in chunk] == full["points"]

        text = (await http.get(points_url, params={**WINDOW, "format": "csv"})).text
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["ts", "value", "resolution"]
        assert len(rows) == 97
        assert float(rows[1][1]) == full["points"][0][1]

        [latest] = (await http.get("/v1/latest")).json()
        assert latest["ts"] == full["points"][-1][0]
        assert latest["age_seconds"] > 0

        reply = await h.nats.request(
            POINTS_SUBJECT,
            json.dumps({"series": {"area": "NL", "data_type": "actual_load"}, **WINDOW}).encode(),
            timeout=5,
        )
        assert json.loads(reply.data)["points"] == full["points"]

        missing = await http.get("/v1/series/999/points", params=WINDOW)
        assert missing.status_code == 404
        assert missing.json() == {"error": "series 999 does not exist"}
        for params, message in [
            ({"start": "2025-03-11T00:00:00"}, "naive datetime"),
            ({**WINDOW, "end": WINDOW["start"]}, "must be after start"),
            ({**WINDOW, "limit": "0"}, "limit: Input should be greater than or equal to 1"),
            ({**WINDOW, "format": "xml"}, "format must be json or csv"),
            ({**WINDOW, "colour": "red"}, "unknown query parameter(s): colour"),
        ]:
            bad = await http.get(points_url, params=params)
            assert bad.status_code == 400, params
            assert message in bad.json()["error"], (params, bad.json())
        bad_area = await http.get("/v1/series", params={"area": "NLX"})
        assert bad_area.status_code == 400
        assert "unknown area 'NLX'; did you mean NL" in bad_area.json()["error"]
        bad_rpc = await h.nats.request(POINTS_SUBJECT, b'{"series_id": 1}', timeout=5)
        assert json.loads(bad_rpc.data)["status"] == 400
