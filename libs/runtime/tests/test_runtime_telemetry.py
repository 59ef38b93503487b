"""Telemetry: nothing exported without an endpoint; spans reach a real local OTLP/HTTP receiver."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gridstream.runtime.telemetry import setup_telemetry
from gridstream.testing import run_uvicorn, wait_until


def test_no_endpoint_means_no_export() -> None:
    telemetry = setup_telemetry("quiet", environ={})
    tracer = telemetry.tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        assert span.get_span_context().is_valid

    assert not telemetry.exporting
    assert telemetry.tracer_provider.resource.attributes["service.name"] == "quiet"
    telemetry.shutdown()
    telemetry.shutdown()  # idempotent


async def test_spans_exported_over_otlp_http() -> None:
    received: list[tuple[str, str]] = []

    async def collect(request: Request) -> Response:
        await request.body()
        received.append((request.url.path, request.headers.get("content-type", "")))
        return Response(b"", media_type="application/x-protobuf")

    receiver = Starlette(routes=[Route("/v1/{signal}", collect, methods=["POST"])])
    async with run_uvicorn(receiver) as base_url:
        telemetry = setup_telemetry("exporter", environ={"OTEL_EXPORTER_OTLP_ENDPOINT": base_url})
        tracer = telemetry.tracer_provider.get_tracer("test")
        with tracer.start_as_current_span("work"):
            pass
        # Shutdown flushes with blocking HTTP calls; the receiver runs in this loop.
        await asyncio.to_thread(telemetry.shutdown)

        await wait_until(lambda: ("/v1/traces", "application/x-protobuf") in received, timeout=10)

    assert telemetry.exporting
    assert telemetry.endpoint == base_url
