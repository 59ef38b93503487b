"""Read-only HTTP API of the collector: series, points (JSON or CSV, as of a time), latest."""

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gridstream.collector.queries import (
    NotFoundError,
    PointsQuery,
    latest,
    points_page,
    validation_message,
)
from gridstream.collector.store import list_series
from gridstream.contracts import ContractError, DataType, get_area, isoformat_z, spec_of

_QUERY_FIELDS = frozenset({"start", "end", "as_of", "after", "limit", "format"})


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def build_routes(
    sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> list[Route]:
    """The /v1 routes, bound to a session maker and a clock."""

    async def series_list(request: Request) -> Response:
        area = request.query_params.get("area")
        data_type = request.query_params.get("data_type")
        try:
            area_code = get_area(area).code if area else None
            kind = DataType(spec_of(data_type).data_type) if data_type else None
        except ContractError as exc:
            return _error(400, str(exc))
        async with sessions() as session:
            rows = await list_series(session, area_code, kind)
        return JSONResponse(
            [{"id": s.id, **s.key.model_dump(mode="json"), "unit": s.unit} for s in rows]
        )

    async def points(request: Request) -> Response:
        params: dict[str, Any] = dict(request.query_params)
        unknown = set(params) - _QUERY_FIELDS
        if unknown:
            return _error(400, f"unknown query parameter(s): {', '.join(sorted(unknown))}")
        fmt = params.pop("format", "json")
        if fmt not in {"json", "csv"}:
            return _error(400, f"format must be json or csv, not {fmt!r}")
        try:
            query = PointsQuery(series_id=request.path_params["series_id"], **params)
        except ValidationError as exc:
            return _error(400, validation_message(exc))
        try:
            async with sessions() as session:
                page = await points_page(session, query)
        except NotFoundError as exc:
            return _error(404, str(exc))
        if fmt == "csv":
            return _csv(page.points, page.next_after)
        return JSONResponse(page.model_dump(mode="json"))

    async def latest_list(_: Request) -> Response:
        async with sessions() as session:
            rows = await latest(session, clock())
        return JSONResponse([row.model_dump(mode="json") for row in rows])

    return [
        Route("/v1/series", series_list),
        Route("/v1/series/{series_id:int}/points", points),
        Route("/v1/latest", latest_list),
    ]


def _csv(rows: list[tuple[datetime, float | None, str]], next_after: datetime | None) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["ts", "value", "resolution"])
    for ts, value, resolution in rows:
        writer.writerow([isoformat_z(ts), "" if value is None else repr(value), resolution])
    headers = {"X-Next-After": isoformat_z(next_after)} if next_after else {}
    return Response(buffer.getvalue(), media_type="text/csv", headers=headers)
