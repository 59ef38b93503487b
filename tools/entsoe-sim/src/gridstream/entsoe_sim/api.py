"""GET /api: token, rate limit and faults first, then the document (built off the event loop)."""

import asyncio
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from gridstream.entsoe_sim.fault_models import HangFault, Http429Fault, TruncateFault
from gridstream.entsoe_sim.faults import FaultPlan, RequestFacts
from gridstream.entsoe_sim.render import Rendered, render_query
from gridstream.entsoe_sim.state import SimState
from gridstream.entsoe_sim.stats import CLIENT_GONE, MISSING_TOKEN, UNKNOWN_TOKEN, token_label

_UNAUTHORIZED = (
    "<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1>"
    "<p>Authentication failed.</p></body></html>"
)
_TIMEOUT = "<html><head><title>Request Time-out</title></head><body><h1>Request Time-out</h1></body></html>"
_HANG_POLL = 0.05


async def handle_api(request: Request, state: SimState) -> Response:
    """Answer one GET /api like the Transparency Platform, counting it in the stats."""
    query = _first_values(request)
    token = _token(request, query)
    label = _label(state, token)
    facts = RequestFacts.of(query)
    state.stats.arrived(label, facts.document_type, state.monotonic())
    response = await _answer(request, state, query, token, facts)
    state.stats.answered(label, response.status_code)
    return response


def _first_values(request: Request) -> dict[str, str]:
    query: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, value)
    return query


def _token(request: Request, query: dict[str, str]) -> str | None:
    for name, value in query.items():
        if name.lower() == "securitytoken" and value:
            return value
    return request.headers.get("SECURITY_TOKEN") or None


def _label(state: SimState, token: str | None) -> str:
    if token is None:
        return MISSING_TOKEN
    return token_label(token) if state.config.accepts(token) else UNKNOWN_TOKEN


async def _answer(
    request: Request, state: SimState, query: dict[str, str], token: str | None, facts: RequestFacts
) -> Response:
    if token is None or not state.config.accepts(token):
        return HTMLResponse(_UNAUTHORIZED, status_code=401)
    retry_after = state.limiter.admit(token)
    if retry_after is not None:
        return _too_many(retry_after, state.config.rate_limit_per_minute)
    plan = state.faults.plan(facts, state.clock.now())
    state.stats.faults_fired(plan.fired)
    if plan.delay:
        await asyncio.sleep(plan.delay)
    if plan.stop is not None:
        return await _stopped(request, plan)
    now = state.clock.now()
    rendered = await run_in_threadpool(
        render_query,
        query,
        seed=state.config.seed,
        now=now,
        history_start=state.config.history_start,
        effects=plan.effects,
    )
    return _respond(rendered, plan.truncate)


def _too_many(retry_after: int, limit: int) -> Response:
    body = (
        f"<html><body><p>Too many requests: at most {limit} requests per minute per token.</p>"
        "</body></html>"
    )
    return HTMLResponse(body, status_code=429, headers={"Retry-After": str(retry_after)})


async def _stopped(request: Request, plan: FaultPlan) -> Response:
    stop = plan.stop
    if isinstance(stop, Http429Fault):
        return Response(b"", status_code=429, headers={"Retry-After": str(stop.retry_after)})
    if isinstance(stop, HangFault):
        return await _hang(request, stop.max_seconds)
    return Response(b"", status_code=503, media_type="application/xml")


async def _hang(request: Request, max_seconds: float) -> Response:
    """Say nothing until the client hangs up, or answer 408 at the platform's cut-off."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    while loop.time() < deadline:
        if await request.is_disconnected():
            return Response(b"", status_code=CLIENT_GONE)
        await asyncio.sleep(_HANG_POLL)
    return HTMLResponse(_TIMEOUT, status_code=408)


def _respond(rendered: Rendered, truncate: TruncateFault | None) -> Response:
    disposition = "attachment" if rendered.status == 400 else "inline"
    headers = {"Content-Disposition": f'{disposition}; filename="{rendered.filename}"'}
    if truncate is None:
        return Response(rendered.body, rendered.status, headers=headers, media_type="text/xml")
    keep = int(len(rendered.body) * truncate.keep_fraction)
    if truncate.mode == "body":
        return Response(
            rendered.body[:keep], rendered.status, headers=headers, media_type="text/xml"
        )
    return _CutResponse(rendered.body, keep, rendered.status, headers)


class _CutResponse(Response):
    """Announces the whole body, sends only its start, then lets the server drop the connection."""

    def __init__(self, body: bytes, keep: int, status: int, headers: dict[str, str]) -> None:
        super().__init__(body, status, headers=headers, media_type="text/xml")
        self._keep = keep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: dict[str, Any] = {"type": "http.response.start", "status": self.status_code}
        await send({**start, "headers": self.raw_headers})
        await send(
            {"type": "http.response.body", "body": self.body[: self._keep], "more_body": True}
        )
        # Returning without the final body message makes uvicorn close the connection mid-body.
