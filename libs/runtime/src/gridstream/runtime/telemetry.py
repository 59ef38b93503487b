"""OpenTelemetry providers for one service: OTLP/HTTP export when OTEL_EXPORTER_OTLP_ENDPOINT is set."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"


class Telemetry:
    """The tracer and meter providers of a service; pass them to the broker's middlewares."""

    def __init__(
        self, tracer_provider: TracerProvider, meter_provider: MeterProvider, endpoint: str | None
    ) -> None:
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self.endpoint = endpoint
        self._closed = False

    @property
    def exporting(self) -> bool:
        """True when spans and metrics are sent to an OTLP collector."""
        return self.endpoint is not None

    def shutdown(self) -> None:
        """Flush and stop both providers; calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def setup_telemetry(
    service: str,
    *,
    version: str = "0.1.0",
    environ: Mapping[str, str] | None = None,
) -> Telemetry:
    """Build the service's providers; nothing global is changed, so it is safe to call repeatedly.

    With ``OTEL_EXPORTER_OTLP_ENDPOINT`` (e.g. ``http://collector:4318``) in ``environ``
    (default: the process environment), spans go to ``<endpoint>/v1/traces`` in batches and
    metrics to ``<endpoint>/v1/metrics``; without it nothing is exported (traces still carry ids
    across services through message headers and into the logs).
    """
    env = os.environ if environ is None else environ
    endpoint = env.get(ENDPOINT_ENV, "").strip().rstrip("/") or None
    resource = Resource.create(
        {
            "service.name": service,
            "service.namespace": "gridstream",
            "service.version": version,
            "service.instance.id": f"{socket.gethostname()}-{os.getpid()}",
        }
    )
    # Shutdown is explicit (Telemetry.shutdown), so no atexit hooks accumulate in tests.
    tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    readers: list[MetricReader] = []
    if endpoint is not None:
        spans = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")
        tracer_provider.add_span_processor(BatchSpanProcessor(spans))
        metrics = OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics")
        readers.append(PeriodicExportingMetricReader(metrics))
    meter_provider = MeterProvider(
        resource=resource, metric_readers=readers, shutdown_on_exit=False
    )
    return Telemetry(tracer_provider, meter_provider, endpoint)
