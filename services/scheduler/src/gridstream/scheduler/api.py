"""Admin HTTP API: list, create, replace, delete, pause, resume and trigger schedules; fires; leader.

Writes need the admin bearer token. Bad input gets a 400 naming what is wrong and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import SecretStr, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gridstream.contracts import isoformat_z
from gridstream.runtime import admin_only, lease_holder
from gridstream.runtime.http import Endpoint
from gridstream.scheduler import history, store
from gridstream.scheduler.firing import LEASE_NAME
from gridstream.scheduler.publishing import publish_fire
from gridstream.scheduler.spec import ScheduleSpec
from gridstream.scheduler.triggers import next_fire

MAX_FIRES = 1000


class BadRequestError(ValueError):
    """The request is invalid; the message says why."""


@dataclass(frozen=True, slots=True)
class ApiDeps:
    """What the admin API needs."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime]
    admin_token: SecretStr | None
    owner: str
    changed: Callable[[], None]
    """Wakes this replica's firing loop after a change."""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def validation_message(exc: ValidationError) -> str:
    """A one-line message naming each bad field and its problem."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    )


async def _spec_of(request: Request, name: str | None = None) -> ScheduleSpec:
    """The schedule in the request body (with the path's name); BadRequestError when invalid."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise BadRequestError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    if name is not None and body.setdefault("name", name) != name:
        raise BadRequestError(f"name: the body names {body['name']!r}, the path {name!r}")
    try:
        return ScheduleSpec.model_validate(body)
    except ValidationError as exc:
        raise BadRequestError(validation_message(exc)) from None


def _schedule_json(schedule: store.Schedule, last: dict[str, Any] | None) -> dict[str, Any]:
    return {
        **schedule.spec.model_dump(mode="json"),
        "source": schedule.source,
        "paused": schedule.paused,
        "next_fire": isoformat_z(schedule.next_fire) if schedule.next_fire else None,
        "last_fire": isoformat_z(schedule.last_fire) if schedule.last_fire else None,
        "last_outcome": last,
    }


async def _show(deps: ApiDeps, name: str, status: int = 200) -> Response:
    async with deps.sessions() as session:
        schedule = await store.get(session, name)
        last = (await store.last_outcomes(session)).get(name)
    if schedule is None:
        return _error(404, f"no schedule named {name!r}")
    return JSONResponse(_schedule_json(schedule, last), status_code=status)


def build_routes(deps: ApiDeps) -> list[Route]:
    """The /v1 routes of the scheduler."""
    reads, writes, controls = _read(deps), _write(deps), _control(deps)
    return [
        Route("/v1/schedules", reads["list"], methods=["GET"]),
        Route("/v1/schedules", writes["create"], methods=["POST"]),
        Route("/v1/schedules/{name}", reads["show"], methods=["GET"]),
        Route("/v1/schedules/{name}", writes["replace"], methods=["PUT"]),
        Route("/v1/schedules/{name}", writes["remove"], methods=["DELETE"]),
        Route("/v1/schedules/{name}/pause", controls["pause"], methods=["POST"]),
        Route("/v1/schedules/{name}/resume", controls["resume"], methods=["POST"]),
        Route("/v1/schedules/{name}/trigger", controls["trigger"], methods=["POST"]),
        Route("/v1/schedules/{name}/fires", reads["fires"], methods=["GET"]),
        Route("/v1/leader", reads["leader"], methods=["GET"]),
    ]


def _read(deps: ApiDeps) -> dict[str, Endpoint]:
    async def list_all(_: Request) -> Response:
        async with deps.sessions() as session:
            schedules = await store.all_schedules(session)
            last = await store.last_outcomes(session)
        return JSONResponse([_schedule_json(s, last.get(s.name)) for s in schedules])

    async def show(request: Request) -> Response:
        return await _show(deps, request.path_params["name"])

    async def fires(request: Request) -> Response:
        name = request.path_params["name"]
        raw = request.query_params.get("limit", "100")
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_FIRES:
            return _error(400, f"limit: must be a whole number from 1 to {MAX_FIRES}")
        async with deps.sessions() as session:
            if await store.get(session, name) is None:
                return _error(404, f"no schedule named {name!r}")
            rows = await history.fires_of(session, name, int(raw))
        return JSONResponse(rows)

    async def leader(_: Request) -> Response:
        async with deps.sessions() as session:
            found = await lease_holder(session, LEASE_NAME)
        body: dict[str, Any] = {"leader": None, "self": deps.owner}
        if found is not None:
            body |= {
                "leader": found.owner,
                "lease_until": isoformat_z(found.lease_until),
                "since": isoformat_z(found.acquired_at) if found.acquired_at else None,
            }
        return JSONResponse(body)

    return {"list": list_all, "show": show, "fires": fires, "leader": leader}


def _write(deps: ApiDeps) -> dict[str, Endpoint]:
    admin = admin_only(deps.admin_token)

    @admin
    async def create(request: Request) -> Response:
        try:
            spec = await _spec_of(request)
        except BadRequestError as exc:
            return _error(400, str(exc))
        async with deps.sessions() as session, session.begin():
            created = await store.create(session, spec, "api", next_fire(spec, deps.clock()))
        if not created:
            return _error(409, f"a schedule named {spec.name!r} exists; PUT replaces it")
        deps.changed()
        return await _show(deps, spec.name, 201)

    @admin
    async def replace(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            spec = await _spec_of(request, name)
        except BadRequestError as exc:
            return _error(400, str(exc))
        upcoming = next_fire(spec, deps.clock())
        async with deps.sessions() as session, session.begin():
            found = await store.replace(session, spec, upcoming)
            if not found:
                await store.create(session, spec, "api", upcoming)
        deps.changed()
        return await _show(deps, name, 200 if found else 201)

    @admin
    async def remove(request: Request) -> Response:
        name = request.path_params["name"]
        async with deps.sessions() as session, session.begin():
            found = await store.remove(session, name)
        if not found:
            return _error(404, f"no schedule named {name!r}")
        deps.changed()
        return Response(status_code=204)

    return {"create": create, "replace": replace, "remove": remove}


def _control(deps: ApiDeps) -> dict[str, Endpoint]:
    admin = admin_only(deps.admin_token)

    async def set_paused(name: str, paused: bool) -> Response:
        async with deps.sessions() as session, session.begin():
            schedule = await store.get(session, name, lock=True)
            if schedule is None:
                return _error(404, f"no schedule named {name!r}")
            # A resumed schedule continues from now: fires due while paused are not made up.
            upcoming = None if paused else next_fire(schedule.spec, deps.clock())
            await store.set_paused(session, name, paused, upcoming)
        deps.changed()
        return await _show(deps, name)

    @admin
    async def pause(request: Request) -> Response:
        return await set_paused(request.path_params["name"], True)

    @admin
    async def resume(request: Request) -> Response:
        return await set_paused(request.path_params["name"], False)

    @admin
    async def trigger(request: Request) -> Response:
        name = request.path_params["name"]
        now = deps.clock()
        async with deps.sessions() as session, session.begin():
            schedule = await store.get(session, name, lock=True)
            if schedule is None:
                return _error(404, f"no schedule named {name!r}")
            await publish_fire(session, schedule.spec, now, now, manual=True)
            [fire] = await history.fires_at(session, name, now)
        return JSONResponse(fire, status_code=202)

    return {"pause": pause, "resume": resume, "trigger": trigger}
