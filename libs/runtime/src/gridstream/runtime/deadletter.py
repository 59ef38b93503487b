"""Dead letters: copy a message a consumer gave up on to GRIDSTREAM_DLQ, with why in its headers."""

import re

from faststream.nats import NatsBroker

from gridstream.contracts import dlq_subject
from gridstream.runtime.handling import Delivery, one_line
from gridstream.runtime.publishing import publish_raw

CONSUMER_HEADER = "Gridstream-Dlq-Consumer"
REASON_HEADER = "Gridstream-Dlq-Reason"
DELIVERIES_HEADER = "Gridstream-Dlq-Deliveries"
ORIGINAL_SUBJECT_HEADER = "Gridstream-Dlq-Original-Subject"
STREAM_HEADER = "Gridstream-Dlq-Stream"
STREAM_SEQ_HEADER = "Gridstream-Dlq-Stream-Seq"
ORIGINAL_MSG_ID_HEADER = "Gridstream-Dlq-Original-Msg-Id"

# Nats-* headers steer JetStream (expected stream/sequence, TTL, schedules, rollups): applied to the
# copy they would change how the DLQ stores it. Credential-like headers must not be copied at all.
_DROPPED_HEADER = re.compile(r"(?i)^(nats-.*|authorization|.*(token|secret|password|api-?key).*)$")


def dead_letter_msg_id(delivery: Delivery) -> str:
    """The copy's Nats-Msg-Id: one per stored original and consumer.

    Forwarding it twice stores it once, and two consumers giving up on one event keep a copy each.
    """
    return f"dlq:{delivery.stream}:{delivery.stream_seq}:{delivery.consumer}"


def dead_letter_headers(delivery: Delivery, reason: str) -> dict[str, str]:
    """The original headers (minus JetStream control and credential headers) plus why and where."""
    headers = {k: v for k, v in delivery.headers.items() if not _DROPPED_HEADER.match(k)}
    if original_id := delivery.headers.get("Nats-Msg-Id"):
        headers[ORIGINAL_MSG_ID_HEADER] = one_line(original_id, 200)
    headers.update(
        {
            CONSUMER_HEADER: delivery.consumer,
            REASON_HEADER: one_line(reason),
            DELIVERIES_HEADER: str(delivery.count),
            ORIGINAL_SUBJECT_HEADER: delivery.subject,
            STREAM_HEADER: delivery.stream,
            STREAM_SEQ_HEADER: str(delivery.stream_seq),
        }
    )
    return headers


async def forward_to_dlq(
    broker: NatsBroker,
    delivery: Delivery,
    reason: str,
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 JetStream's wait for the PubAck, passed on to nats-py
) -> bool:
    """Store a copy of the delivered message in GRIDSTREAM_DLQ; True when it was already there.

    Raises PublishFailedError when the server does not confirm it (the caller must not drop the
    original then).
    """
    return await publish_raw(
        broker,
        dlq_subject(delivery.subject),
        delivery.payload,
        dead_letter_headers(delivery, reason),
        dead_letter_msg_id(delivery),
        timeout=timeout,
    )
