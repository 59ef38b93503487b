"""The composition root: build_app wires config, clocks, faults, rate limit and stats into a Starlette app."""

import time
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gridstream.entsoe_sim.admin import admin_routes
from gridstream.entsoe_sim.api import handle_api
from gridstream.entsoe_sim.clock import Clock, SystemClock
from gridstream.entsoe_sim.config import SimConfig
from gridstream.entsoe_sim.state import SimState


def build_app(
    config: SimConfig,
    *,
    clock: Clock | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Starlette:
    """An ASGI app answering GET /api like the ENTSO-E Transparency Platform, plus /admin and /healthz."""
    state = SimState.create(config, clock or SystemClock(), monotonic)

    async def api(request: Request) -> Response:
        return await handle_api(request, state)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    routes = [
        Route("/api", api, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *admin_routes(state),
    ]
    # The platform gzips its XML; clients must cope with Content-Encoding: gzip.
    return Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=1024)])
