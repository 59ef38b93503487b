"""The broker factory and the durable pull-consumer declaration every service uses."""

import logging
import re
from typing import TYPE_CHECKING

from faststream import AckPolicy
from faststream.nats import ConsumerConfig, NatsBroker, PullSub
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider
from prometheus_client import CollectorRegistry

from gridstream.contracts import check_token, stream_for_subject
from gridstream.runtime.handling import RetryPolicy
from gridstream.runtime.retry import RetryMiddleware
from gridstream.runtime.streams import to_jstream

if TYPE_CHECKING:
    from faststream.nats.subscriber.usecases import PullStreamSubscriber

RECONNECT_WAIT_SECONDS = 1
"""Pause between reconnection attempts; attempts never stop (a NATS restart must not kill a service)."""

UNLIMITED_DELIVERIES = -1
"""The server-side max_deliver of durable consumers: the retry middleware is the one limit."""

_BROKER_LOGGER = logging.getLogger("gridstream.broker")


def build_broker(
    *,
    nats_url: str,
    service: str,
    max_deliver: int,
    retry_base_delay: float,
    retry_max_delay: float,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    prometheus_registry: CollectorRegistry | None = None,
    logger: logging.Logger | None = _BROKER_LOGGER,
    log_level: int = logging.DEBUG,
    publish_timeout: float = 5.0,
) -> NatsBroker:
    """A NatsBroker with telemetry, Prometheus and retry middlewares that reconnects forever.

    The retry middleware naks failures with delay min(retry_max_delay, retry_base_delay *
    2**(n-1)) and dead-letters a message once ``max_deliver`` deliveries failed. Telemetry is
    added when a tracer or meter provider is given, Prometheus metrics when a registry is given.
    ``logger`` receives faststream's records (a standard logger, so the JSON logging setup
    formats them); per-message "Received/Processed" lines use ``log_level``.
    Subscribers must be JetStream durables from ``durable_subscriber`` for the retry rules to hold.
    """
    check_token(service, "service")
    policy = RetryPolicy(max_deliver, retry_base_delay, retry_max_delay)
    broker = NatsBroker(
        nats_url,
        name=service,
        max_reconnect_attempts=-1,
        reconnect_time_wait=RECONNECT_WAIT_SECONDS,
        logger=logger,
        log_level=log_level,
    )
    # Order matters: earlier middlewares wrap later ones, so the span and the metrics see the
    # acknowledgement the retry middleware (innermost) chose.
    if tracer_provider is not None or meter_provider is not None:
        broker.add_middleware(
            NatsTelemetryMiddleware(tracer_provider=tracer_provider, meter_provider=meter_provider)
        )
    if prometheus_registry is not None:
        broker.add_middleware(
            NatsPrometheusMiddleware(registry=prometheus_registry, app_name=service)
        )
    broker.add_middleware(
        RetryMiddleware(
            broker=broker, service=service, policy=policy, publish_timeout=publish_timeout
        )
    )
    return broker


def durable_name(service: str, subject: str) -> str:
    """A consumer name unique per service and subject, e.g. ``collector-cmd-collect-any-any``."""
    tokens = subject.removeprefix("gridstream.").split(".")
    words = ["any" if t == "*" else "all" if t == ">" else t for t in tokens]
    name = "-".join([service, *words])
    # Consumer names may not contain '.', '*', '>' or whitespace; path params like {area} become words.
    return re.sub(r"[^A-Za-z0-9_-]", "", name)


def durable_subscriber(
    broker: NatsBroker,
    subject: str,
    *,
    service: str,
    ack_wait: float = 60.0,
    batch_size: int = 16,
    fetch_timeout: float = 1.0,
    durable: str | None = None,
    title: str | None = None,
    description: str | None = None,
) -> "PullStreamSubscriber":
    """Declare a durable pull consumer on ``subject`` shared by every replica of ``service``.

    Acknowledgement is manual: the retry middleware acks, naks or terminates each message, and it
    alone enforces ``max_deliver`` (see ``build_broker``). The server's own limit is off on
    purpose: it would drop a message silently when its last delivery crashed, or when the
    dead-letter stream was unreachable, and an existing consumer keeps the limit it was created
    with, so raising ``max_deliver`` in the settings would not reach it. While a handler runs,
    the retry middleware reports its message in progress every ``ack_wait / 3`` seconds, so a
    long handler is neither redelivered to another replica nor dead-lettered by ``max_deliver``.
    An existing consumer also keeps the ``ack_wait`` it was created with: a larger ``ack_wait``
    needs a new durable name (or the old consumer deleted), else the reports come too seldom.
    Use the result as a decorator: ``@durable_subscriber(broker, subj, service=...)``.
    """
    consumer = durable or durable_name(service, subject)
    for middleware in broker.middlewares:
        if isinstance(middleware, RetryMiddleware):
            middleware.track_consumer(consumer, ack_wait)
    return broker.subscriber(
        subject,
        stream=to_jstream(stream_for_subject(subject)),
        durable=consumer,
        pull_sub=PullSub(batch_size=batch_size, timeout=fetch_timeout),
        config=ConsumerConfig(max_deliver=UNLIMITED_DELIVERIES, ack_wait=ack_wait),
        ack_policy=AckPolicy.MANUAL,
        title=title,
        description=description,
    )
