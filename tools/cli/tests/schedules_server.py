"""A small stand-in for the scheduler's admin API, answering as the real one does (for CLI tests)."""

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gridstream.runtime.http import admin_only

COMMAND_TYPES = {"CollectionRequested", "BackfillRequested", "GapScanRequested", "ReportRequested"}
SPEC_FIELDS: dict[str, Any] = {
    "name": None,
    "cron": None,
    "timezone": "UTC",
    "every": None,
    "command_type": None,
    "command": {},
    "enabled": True,
    "misfire_grace_seconds": 300,
    "coalesce": True,
    "overlap": "skip",
    "jitter_seconds": 0,
}
NEXT_FIRE = "2024-03-01T06:00:00Z"
LEADER = {
    "leader": "scheduler-a:4242",
    "lease_until": "2024-03-01T05:00:15Z",
    "since": "2024-03-01T04:00:00Z",
    "self": "scheduler-a:4242",
}


class BadInputError(Exception):
    """Answered with 400 and this message."""


class ConflictError(Exception):
    """Answered with 409 and this message."""


@dataclass
class SchedulerStandIn:
    """The state behind the stand-in API: schedules, their fires, and every body received."""

    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)
    fires: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bodies: list[tuple[str, str, Any]] = field(default_factory=list)

    def view(self, name: str) -> dict[str, Any]:
        """A schedule as GET /v1/schedules shows it."""
        fires = self.fires.get(name, [])
        last = fires[0] if fires else None
        return {
            **self.schedules[name],
            "next_fire": None if self.schedules[name]["paused"] else NEXT_FIRE,
            "last_fire": last["fire_time"] if last else None,
            "last_outcome": last,
        }


def _checked(body: Any, name: str | None = None) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadInputError("body: expected a JSON object")
    unknown = sorted(set(body) - set(SPEC_FIELDS))
    if unknown:
        raise BadInputError(f"{unknown[0]}: extra inputs are not permitted")
    spec = {**SPEC_FIELDS, **body, **({"name": name} if name else {})}
    if not isinstance(spec["name"], str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", spec["name"]):
        raise BadInputError(f"name: {spec['name']!r} is not a subject token")
    if (spec["cron"] is None) == (spec["every"] is None):
        raise BadInputError("cron/every: give exactly one of cron (with timezone) or every")
    if spec["cron"] is not None and len(str(spec["cron"]).split()) != 5:
        raise BadInputError(f"cron: invalid cron expression {spec['cron']!r}")
    try:
        ZoneInfo(str(spec["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInputError(f"timezone: unknown time zone {spec['timezone']!r}") from None
    if spec["command_type"] not in COMMAND_TYPES:
        raise BadInputError(f"command_type: unknown command {spec['command_type']!r}")
    return spec


def build_app(state: SchedulerStandIn, token: str) -> Starlette:
    """The admin API routes of the scheduler over ``state``; writes need ``token``."""
    guard = admin_only(SecretStr(token))

    def known(request: Request) -> str:
        name = str(request.path_params["name"])
        if name not in state.schedules:
            raise LookupError(f"no schedule named {name!r}")
        return name

    async def answer(request: Request, work: Any, status: int = 200) -> Response:
        body = await request.json() if await request.body() else None
        state.bodies.append((request.method, request.url.path, body))
        try:
            result = work(body)
        except BadInputError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except LookupError as exc:
            return JSONResponse({"error": str(exc.args[0])}, status_code=404)
        except ConflictError as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        if isinstance(result, tuple):
            result, status = result
        return Response(status_code=204) if result is None else JSONResponse(result, status)

    async def listing(_: Request) -> Response:
        return JSONResponse([state.view(name) for name in sorted(state.schedules)])

    async def one(request: Request) -> Response:
        return await answer(request, lambda _: state.view(known(request)))

    async def create(request: Request) -> Response:
        def work(body: Any) -> Any:
            spec = _checked(body)
            if spec["name"] in state.schedules:
                raise ConflictError(f"a schedule named {spec['name']!r} exists; PUT replaces it")
            state.schedules[spec["name"]] = {**spec, "paused": False, "source": "api"}
            return state.view(spec["name"])

        return await answer(request, work, 201)

    async def replace(request: Request) -> Response:
        def work(body: Any) -> Any:
            spec = _checked(body, str(request.path_params["name"]))
            found = spec["name"] in state.schedules
            state.schedules[spec["name"]] = {**spec, "paused": False, "source": "api"}
            return state.view(spec["name"]), 200 if found else 201

        return await answer(request, work)

    async def delete(request: Request) -> Response:
        return await answer(request, lambda _: state.schedules.pop(known(request)) and None)

    async def pause_or_resume(request: Request) -> Response:
        def work(_: Any) -> Any:
            name = known(request)
            state.schedules[name]["paused"] = request.url.path.endswith("/pause")
            return state.view(name)

        return await answer(request, work)

    async def trigger(request: Request) -> Response:
        def work(_: Any) -> Any:
            name = known(request)
            fire_time = f"2024-03-01T05:{len(state.fires.get(name, [])):02d}:00Z"
            fire = {
                "schedule": name,
                "fire_time": fire_time,
                "command_id": str(uuid5(NAMESPACE_URL, f"{name}@{fire_time}")),
                "command_subject": "gridstream.cmd.report",
                "status": "published",
                "published_at": fire_time,
                "finished_at": None,
                "duration_seconds": None,
                "points": None,
                "error": None,
                "manual": True,
            }
            state.fires.setdefault(name, []).insert(0, fire)
            return fire

        return await answer(request, work, 202)

    async def fires(request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in state.schedules:
            return JSONResponse({"error": f"no schedule named {name!r}"}, status_code=404)
        limit = int(request.query_params.get("limit", "100"))
        return JSONResponse(state.fires.get(name, [])[:limit])

    async def leader(_: Request) -> Response:
        return JSONResponse(LEADER)

    return Starlette(
        routes=[
            Route("/v1/schedules", listing, methods=["GET"]),
            Route("/v1/schedules", guard(create), methods=["POST"]),
            Route("/v1/schedules/{name}", one, methods=["GET"]),
            Route("/v1/schedules/{name}", guard(replace), methods=["PUT"]),
            Route("/v1/schedules/{name}", guard(delete), methods=["DELETE"]),
            Route("/v1/schedules/{name}/pause", guard(pause_or_resume), methods=["POST"]),
            Route("/v1/schedules/{name}/resume", guard(pause_or_resume), methods=["POST"]),
            Route("/v1/schedules/{name}/trigger", guard(trigger), methods=["POST"]),
            Route("/v1/schedules/{name}/fires", fires, methods=["GET"]),
            Route("/v1/leader", leader, methods=["GET"]),
        ]
    )
