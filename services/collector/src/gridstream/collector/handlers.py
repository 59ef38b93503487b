"""Thin subscribers: decode the command, call the domain, let the outbox publish, map errors to acks."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from faststream.nats import NatsBroker, NatsMessage

from gridstream.collector.backfill import BackfillDeps, accept_backfill
from gridstream.collector.collect import CollectDeps, collect, is_retryable, record_failure
from gridstream.collector.entsoe.errors import EntsoeError, EntsoeRateLimited
from gridstream.contracts import CMD_PREFIX, BackfillRequested, CollectionRequested
from gridstream.runtime import TransientError, durable_subscriber

logger = logging.getLogger(__name__)

COLLECT_SUBJECT = f"{CMD_PREFIX}.collect.*.*"
BACKFILL_SUBJECT = f"{CMD_PREFIX}.backfill.*.*"


@dataclass(frozen=True, slots=True)
class HandlerDeps:
    """What the subscribers need."""

    collect: CollectDeps
    backfill: BackfillDeps
    service: str
    max_deliver: int
    ack_wait: float
    batch_size: int
    wake_backfill: Callable[[], None]


def attempt_of(msg: NatsMessage) -> int:
    """The JetStream delivery count of a message (1 on first delivery)."""
    metadata = msg.raw_message.metadata
    return int(metadata.num_delivered) if metadata.num_delivered else 1


async def handle_collection(deps: HandlerDeps, command: CollectionRequested, attempt: int) -> None:
    """Collect; on a retryable failure record it and raise for a delayed redelivery."""
    fields = _log_fields(command)
    try:
        completed = await collect(deps.collect, command)
    except EntsoeError as exc:
        will_retry = is_retryable(exc) and attempt < deps.max_deliver
        await record_failure(deps.collect, command, exc, attempt, will_retry)
        if is_retryable(exc):
            retry_after = exc.retry_after if isinstance(exc, EntsoeRateLimited) else None
            raise TransientError(exc.message, retry_after=retry_after) from exc
        logger.warning("collection failed for good: %s", exc.message, extra=fields)
        return
    except Exception as exc:
        await _record_internal(deps, command, exc, attempt)
        raise
    if completed is None:
        logger.info("command %s was processed before; skipped", command.event_id, extra=fields)
        return
    if completed.backfill_jobs:
        deps.wake_backfill()
    logger.info(
        "collected %s %s %s: %d written, %d changed",
        command.area,
        command.data_type,
        completed.window,
        completed.points_written,
        completed.points_changed,
        extra=fields,
    )


def register_handlers(broker: NatsBroker, deps: HandlerDeps) -> None:
    """Declare the collector's durable command subscribers on the broker."""

    @durable_subscriber(
        broker,
        COLLECT_SUBJECT,
        service=deps.service,
        ack_wait=deps.ack_wait,
        batch_size=deps.batch_size,
        title="collect",
    )
    async def on_collect(command: CollectionRequested, msg: NatsMessage) -> None:
        await handle_collection(deps, command, attempt_of(msg))

    @durable_subscriber(
        broker,
        BACKFILL_SUBJECT,
        service=deps.service,
        ack_wait=deps.ack_wait,
        batch_size=deps.batch_size,
        title="backfill",
    )
    async def on_backfill(command: BackfillRequested) -> None:
        jobs = await accept_backfill(deps.backfill, command)
        if jobs is None:
            logger.info(
                "backfill %s was accepted before; skipped",
                command.event_id,
                extra=_log_fields(command),
            )
            return
        logger.info(
            "backfill %s %s %s accepted as %d job(s)",
            command.area,
            command.data_type,
            command.window,
            len(jobs),
            extra=_log_fields(command),
        )
        deps.wake_backfill()


def _log_fields(command: BackfillRequested | CollectionRequested) -> dict[str, str]:
    return {"event_id": str(command.event_id), "correlation_id": str(command.correlation_id)}


async def _record_internal(
    deps: HandlerDeps, command: CollectionRequested, error: Exception, attempt: int
) -> None:
    """Announce an unexpected failure (kind internal) when the database still takes it."""
    try:
        await record_failure(deps.collect, command, error, attempt, attempt < deps.max_deliver)
    except Exception:
        # The database may be what failed; the redelivery (or the dead letter) still follows.
        logger.warning(
            "could not record the failure of command %s", command.event_id, exc_info=True
        )
