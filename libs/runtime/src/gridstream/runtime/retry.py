"""The retry middleware: the one place that turns a handler's outcome into a JetStream acknowledgement.

success -> ack; TransientError or any unexpected error -> nak(delay) with exponential backoff;
PermanentError, or the last allowed delivery failing -> copy to GRIDSTREAM_DLQ, then terminate;
an invalid command payload -> one CommandRejected event, then terminate (the handler never runs).
While a handler runs, the message is reported in progress every third of its consumer's ack_wait,
so JetStream neither hands it to another replica nor counts an extra delivery.
Messages that are not JetStream deliveries (core NATS requests, KV watches, batches) pass through.
"""

import asyncio
import logging
from types import TracebackType
from typing import Any

import nats.errors
from faststream import BaseMiddleware
from faststream.context import ContextRepo
from faststream.exceptions import IgnoredException, RejectMessage
from faststream.message import StreamMessage
from faststream.nats import NatsBroker
from faststream.nats.message import NatsMessage

from gridstream.runtime.deadletter import forward_to_dlq
from gridstream.runtime.errors import GridstreamError, PublishFailedError
from gridstream.runtime.handling import (
    Ack,
    DeadLetter,
    Decision,
    Delivery,
    RejectCommand,
    Retry,
    RetryPolicy,
    check_command_payload,
    decide,
    is_jetstream,
    rejection_event,
)
from gridstream.runtime.publishing import publish

logger = logging.getLogger(__name__)


class RetryMiddleware:
    """faststream broker middleware builder; ``build_broker`` installs it on every broker."""

    def __init__(
        self,
        *,
        broker: NatsBroker,
        service: str,
        policy: RetryPolicy,
        publish_timeout: float = 5.0,
    ) -> None:
        self.broker = broker
        self.service = service
        self.policy = policy
        self.publish_timeout = publish_timeout
        self._ack_waits: dict[str, float] = {}

    def track_consumer(self, consumer: str, ack_wait: float) -> None:
        """Remember a durable's ack_wait, so its long handlers are kept in progress."""
        if ack_wait <= 0:
            raise ValueError(f"ack_wait must be positive, got {ack_wait}")
        self._ack_waits[consumer] = ack_wait

    def progress_interval(self, consumer: str) -> float | None:
        """Seconds between in-progress reports for ``consumer``; None for an untracked one."""
        ack_wait = self._ack_waits.get(consumer)
        # Three reports per ack_wait: one lost or late report does not let the message expire.
        return None if ack_wait is None else ack_wait / 3

    def __call__(self, msg: Any, /, *, context: ContextRepo) -> "_RetryScope":
        """Open the middleware for one received message (faststream's BrokerMiddleware protocol)."""
        return _RetryScope(msg, context=context, owner=self)

    def before_handler(self, delivery: Delivery) -> Decision | None:
        """A decision that makes running the handler pointless, or None to run it."""
        if delivery.count > self.policy.max_deliver:
            # Only a crash, an ack_wait overrun or a failed dead-lettering of the last allowed
            # attempt gets here: do not run the handler again, dead-letter the message.
            return DeadLetter(
                f"delivered {delivery.count} times, more than max_deliver "
                f"{self.policy.max_deliver}; an earlier attempt did not finish"
            )
        if delivery.is_command and (
            reason := check_command_payload(delivery.subject, delivery.payload)
        ):
            return RejectCommand(reason)
        return None

    async def settle(self, msg: NatsMessage, delivery: Delivery, decision: Decision) -> None:
        """Carry out a decision; when its publish fails, keep the message and retry it later."""
        try:
            try:
                await self._apply(msg, delivery, decision)
            except (PublishFailedError, ValueError):
                # ValueError: a subject outside the gridstream streams has no DLQ to go to.
                delay = self.policy.backoff(delivery.count)
                logger.exception(
                    "could not record the outcome; redelivering in %.2fs",
                    delay,
                    extra=_log_fields(delivery),
                )
                await msg.nack(delay=delay)
        except nats.errors.Error:
            # The acknowledgement itself was lost: JetStream redelivers after ack_wait.
            logger.exception("could not acknowledge the message", extra=_log_fields(delivery))

    async def _apply(self, msg: NatsMessage, delivery: Delivery, decision: Decision) -> None:
        fields = _log_fields(delivery)
        match decision:
            case Ack():
                await msg.ack()
            case Retry(delay=delay):
                logger.warning(
                    "delivery %d of %d failed; retrying in %.2fs",
                    delivery.count,
                    self.policy.max_deliver,
                    delay,
                    extra={**fields, "delay_seconds": delay},
                )
                await msg.nack(delay=delay)
            case DeadLetter(reason=reason) if delivery.is_dead_letter:
                # A failing dead-letter consumer must not feed its own stream (it would loop).
                logger.error(
                    "dropped a dead letter: %s", reason, extra={**fields, "reason": reason}
                )
                await msg.reject()
            case DeadLetter(reason=reason):
                # Raises unless GRIDSTREAM_DLQ confirmed the copy: the original is then kept.
                stored_before = await forward_to_dlq(
                    self.broker, delivery, reason, timeout=self.publish_timeout
                )
                logger.error(
                    "dead-lettered: %s",
                    reason,
                    extra={**fields, "reason": reason, "copy_stored_before": stored_before},
                )
                await msg.reject()
            case RejectCommand(reason=reason):
                event = rejection_event(delivery, reason, self.service)
                await publish(self.broker, event, timeout=self.publish_timeout)
                logger.warning("command rejected: %s", reason, extra={**fields, "reason": reason})
                await msg.reject()


class _Settled(IgnoredException):
    """Raised after a handler's GridstreamError was settled, so faststream only logs it at INFO."""


class _RetryScope(BaseMiddleware[Any, Any]):
    """The middleware for one message: run the handler, then settle the message exactly once.

    Failures are settled as soon as the handler raises; success is acknowledged on exit, after
    faststream has published the handler's return value (a failed result publish is a failure).
    """

    def __init__(self, msg: Any, /, *, context: ContextRepo, owner: RetryMiddleware) -> None:
        super().__init__(msg, context=context)
        self._owner = owner
        self._received: tuple[NatsMessage, Delivery] | None = None
        self._progress: asyncio.Task[None] | None = None

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        """Wrap the handler call (faststream calls this with the parsed message)."""
        if not isinstance(msg, NatsMessage) or not is_jetstream(msg.raw_message):
            return await call_next(msg)
        delivery = Delivery.from_msg(msg.raw_message)
        if (early := self._owner.before_handler(delivery)) is not None:
            await self._owner.settle(msg, delivery, early)
            # Stops faststream without running the handler or publishing a result.
            raise RejectMessage
        self._received = (msg, delivery)
        if (interval := self._owner.progress_interval(delivery.consumer)) is not None:
            self._progress = asyncio.create_task(
                _keep_in_progress(msg, delivery, interval), name="gridstream-in-progress"
            )
        try:
            return await call_next(msg)
        except GridstreamError as error:
            await self._settle(error)
            # An outcome the service chose (retry later, give up) and the middleware has logged:
            # not an ERROR with a traceback in faststream's log, not a handler exception metric.
            raise _Settled(f"{type(error).__name__}: {error}") from error
        except Exception as error:
            await self._settle(error)
            raise  # unexpected: faststream logs it with its traceback and counts it

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool:
        """Acknowledge a success, or settle an error raised after the handler returned."""
        await self._stop_progress()
        if exc_val is None or isinstance(exc_val, Exception):
            await self._settle(exc_val)
        # A cancelled handler (shutdown) is left unacknowledged: JetStream redelivers it.
        return False

    async def _stop_progress(self) -> None:
        task, self._progress = self._progress, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])  # unlike ``await task``, never swallows our own cancel

    async def _settle(self, error: Exception | None) -> None:
        await self._stop_progress()
        if self._received is None:
            return
        msg, delivery = self._received
        if msg.raw_message.is_acked:  # settled already, possibly by the handler itself
            return
        await self._owner.settle(msg, delivery, decide(error, delivery, self._owner.policy))


async def _keep_in_progress(msg: NatsMessage, delivery: Delivery, interval: float) -> None:
    """Report the message in progress every ``interval`` seconds until cancelled."""
    while True:
        await asyncio.sleep(interval)
        try:
            await msg.in_progress()
        except nats.errors.Error:
            # Disconnected: the next report may get through; if none does, JetStream redelivers.
            logger.warning("could not report the message in progress", extra=_log_fields(delivery))


def _log_fields(delivery: Delivery) -> dict[str, object]:
    return {
        "subject": delivery.subject,
        "stream": delivery.stream,
        "stream_seq": delivery.stream_seq,
        "consumer": delivery.consumer,
        "delivery": delivery.count,
        "event_id": delivery.headers.get("Nats-Msg-Id"),
        "correlation_id": delivery.headers.get("correlation_id"),
    }
