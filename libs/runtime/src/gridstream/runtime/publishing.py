"""Publishing contract messages to JetStream, deduplicated by event id, through the broker's middlewares."""

import nats.errors
from faststream.nats import NatsBroker

from gridstream.contracts import Message, stream_for_subject
from gridstream.runtime.errors import PublishFailedError

JSON_CONTENT_TYPE = "application/json"
MSG_ID_HEADER = "Nats-Msg-Id"


def message_payload(message: Message) -> bytes:
    """The bytes published for a contract message (its JSON)."""
    return message.model_dump_json().encode()


def message_headers(message: Message, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Headers published with a contract message (content type, correlation id, then ``extra``)."""
    return {
        "content-type": JSON_CONTENT_TYPE,
        "correlation_id": str(message.correlation_id),
        **(extra or {}),
    }


async def publish(
    broker: NatsBroker,
    message: Message,
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 JetStream's wait for the PubAck, passed on to nats-py
    headers: dict[str, str] | None = None,
) -> bool:
    """Publish ``message`` to its subject and stream with Nats-Msg-Id = event_id.

    Returns True when JetStream already held it (a duplicate inside the stream's window).
    Raises PublishFailedError when the server does not confirm it.
    """
    return await publish_raw(
        broker,
        message.subject(),
        message_payload(message),
        message_headers(message, headers),
        str(message.event_id),
        timeout=timeout,
    )


async def publish_raw(  # noqa: PLR0917 the outbox relay's call shape
    broker: NatsBroker,
    subject: str,
    payload: bytes,
    headers: dict[str, str],
    msg_id: str,
    timeout: float = 5.0,  # noqa: ASYNC109 JetStream's wait for the PubAck, passed on to nats-py
) -> bool:
    """Publish bytes to ``subject`` on the stream that stores it, deduplicated by ``msg_id``.

    Goes through the faststream broker so its middlewares apply (trace context, metrics).
    Returns True for a duplicate; raises PublishFailedError when the server does not confirm it,
    or when the confirmation comes from another stream than the one that should store it.
    """
    stream = stream_for_subject(subject).name
    try:
        ack = await broker.publish(
            payload,
            subject,
            headers={**headers, MSG_ID_HEADER: msg_id},
            stream=stream,
            timeout=timeout,
        )
    except (TimeoutError, nats.errors.Error) as exc:
        raise PublishFailedError(
            f"publish to {subject} (stream {stream}) was not confirmed: {type(exc).__name__}"
        ) from exc
    if ack.stream != stream:
        # Only that stream's PubAck proves the message is where its readers look for it.
        raise PublishFailedError(f"publish to {subject} was stored by {ack.stream}, not {stream}")
    return ack.duplicate is True
