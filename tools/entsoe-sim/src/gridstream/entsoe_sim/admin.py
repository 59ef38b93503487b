"""Admin endpoints: install and remove faults, read and reset the request counters, set the clock."""

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gridstream.contracts import UtcDatetime
from gridstream.entsoe_sim.clock import ManualClock
from gridstream.entsoe_sim.fault_models import FaultSpec
from gridstream.entsoe_sim.state import SimState

_FAULTS = TypeAdapter(list[FaultSpec])
_INSTANT = TypeAdapter(UtcDatetime)
Handler = Callable[[Request, SimState], Awaitable[Response]]


def admin_routes(state: SimState) -> list[Route]:
    """The /admin routes, each guarded by the admin token when one is configured."""

    def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not state.config.admin_allows(request.headers.get("Authorization")):
                return JSONResponse(
                    {"error": "admin token required (Authorization: Bearer ...)"}, 401
                )
            return await handler(request, state)

        return endpoint

    return [
        Route("/admin/faults", guarded(_list_faults), methods=["GET"]),
        Route("/admin/faults", guarded(_add_faults), methods=["POST"]),
        Route("/admin/faults", guarded(_clear_faults), methods=["DELETE"]),
        Route("/admin/faults/{fault_id:int}", guarded(_remove_fault), methods=["DELETE"]),
        Route("/admin/stats", guarded(_stats), methods=["GET"]),
        Route("/admin/reset", guarded(_reset), methods=["POST"]),
        Route("/admin/clock", guarded(_set_clock), methods=["POST"]),
    ]


async def _list_faults(request: Request, state: SimState) -> Response:
    return JSONResponse({"faults": state.faults.describe()})


async def _add_faults(request: Request, state: SimState) -> Response:
    """Body: one fault, a list of faults, or {"faults": [...]}; answers the new ids."""
    try:
        body: Any = json.loads(await request.body())
    except ValueError as exc:
        return JSONResponse({"error": f"body is not JSON: {exc}"}, 400)
    if isinstance(body, dict) and "faults" in body:
        body = body["faults"]
    if isinstance(body, dict):
        body = [body]
    try:
        specs = _FAULTS.validate_python(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        return JSONResponse({"error": "invalid fault", "details": errors}, 422)
    return JSONResponse({"ids": state.faults.add(specs)}, 201)


async def _clear_faults(request: Request, state: SimState) -> Response:
    state.faults.clear()
    return JSONResponse({"faults": []})


async def _remove_fault(request: Request, state: SimState) -> Response:
    fault_id = request.path_params["fault_id"]
    if not state.faults.remove(fault_id):
        return JSONResponse({"error": f"no fault with id {fault_id}"}, 404)
    return JSONResponse({"removed": fault_id})


async def _stats(request: Request, state: SimState) -> Response:
    return JSONResponse(state.stats.snapshot())


async def _reset(request: Request, state: SimState) -> Response:
    """Zero the counters and forget rate-limit windows; installed faults stay."""
    state.stats.reset()
    state.limiter.reset()
    return JSONResponse({"reset": True})


async def _set_clock(request: Request, state: SimState) -> Response:
    """Body {"now": "2025-01-01T12:00:00Z"}; only when the simulator runs on a manual clock."""
    if not isinstance(state.clock, ManualClock):
        return JSONResponse(
            {"error": "the simulator runs on the system clock; start it with --now"}, 409
        )
    try:
        now: datetime = _INSTANT.validate_python(json.loads(await request.body()).get("now"))
    except (ValueError, AttributeError) as exc:
        return JSONResponse({"error": f'expected {{"now": "<ISO 8601 with zone>"}}: {exc}'}, 400)
    state.clock.set(now)
    return JSONResponse({"now": now.isoformat()})
