"""The CLI's NATS edge: connect with a clear error, publish commands, follow event subjects."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import nats
import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy
from pydantic import ValidationError

from gridstream.cli.errors import CliError
from gridstream.contracts import Message, model_for_subject, stream_for_subject

_PROBE_TIMEOUT = 3.0
# After the first connect, ride out a NATS restart of about a minute before giving up.
_RECONNECT_ATTEMPTS = 60


@dataclass(frozen=True, slots=True)
class Received:
    """One message taken from a followed subject."""

    subject: str
    data: bytes
    stream_seq: int | None


async def _probe(url: str) -> None:
    """Fail fast with a readable message; nats-py would retry an unreachable server forever."""
    problems = []
    for server in (part.strip() for part in url.split(",")):
        parts = urlsplit(server if "://" in server else f"nats://{server}")
        host, port = parts.hostname or "127.0.0.1", parts.port or 4222
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), _PROBE_TIMEOUT)
        except TimeoutError:
            problems.append(f"{server} (no answer within {_PROBE_TIMEOUT:g}s)")
            continue
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
            problems.append(f"{server} ({reason})")
            continue
        writer.close()
        return
    raise CliError(
        f"cannot reach NATS at {', '.join(problems)}; is `gridstream up` running? "
        "(give the URL with --nats or GRIDSTREAM_NATS_URL)"
    )


async def _quiet(_: Exception) -> None:
    """nats-py logs every failed attempt with a traceback; the CLI reports failures itself."""


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[Client]:
    """A NATS connection with the gridstream streams in place (created when missing)."""
    # Imported on use: the runtime pulls in faststream, SQLAlchemy and Alembic (seconds at start).
    from gridstream.runtime.streams import ensure_streams

    await _probe(url)
    closing = asyncio.Event()

    async def disconnected() -> None:
        # nats-py reports its own close as a disconnect too.
        if not closing.is_set():
            print("NATS connection lost; reconnecting...", file=sys.stderr, flush=True)

    try:
        client = await nats.connect(
            url,
            name="gridstream-cli",
            connect_timeout=_PROBE_TIMEOUT,
            max_reconnect_attempts=_RECONNECT_ATTEMPTS,
            reconnect_time_wait=1.0,
            error_cb=_quiet,
            disconnected_cb=disconnected,
        )
    except (OSError, TimeoutError, nats.errors.Error) as exc:
        raise CliError(f"cannot connect to NATS at {url}: {type(exc).__name__}") from exc
    try:
        try:
            await ensure_streams(client.jsm())
        except (TimeoutError, nats.errors.Error) as exc:
            raise CliError(
                f"NATS at {url} did not set up the gridstream streams ({type(exc).__name__}); "
                "is JetStream enabled (nats-server -js)?"
            ) from exc
        yield client
    finally:
        closing.set()
        await client.close()


async def publish_command(client: Client, command: Message) -> bool:
    """Publish a command to its stream, deduplicated by its event id; True if already stored."""
    from gridstream.runtime.publishing import MSG_ID_HEADER, message_headers, message_payload

    subject = command.subject()
    headers = message_headers(command, {MSG_ID_HEADER: str(command.event_id)})
    try:
        ack = await client.jetstream().publish(
            subject,
            message_payload(command),
            timeout=5.0,
            stream=stream_for_subject(subject).name,
            headers=headers,
        )
    except (TimeoutError, nats.errors.Error) as exc:
        raise CliError(f"publishing to {subject} was not confirmed: {type(exc).__name__}") from exc
    return ack.duplicate is True


@asynccontextmanager
async def following(
    client: Client, subjects: list[str], *, from_start: bool = False
) -> AsyncIterator["asyncio.Queue[Received]"]:
    """Ordered consumers on ``subjects`` (from now, or from the start), merged into one queue.

    Opened before a command is published, so no outcome can slip past.
    """
    queue: asyncio.Queue[Received] = asyncio.Queue()

    async def collect(msg: Msg) -> None:
        seq = msg.metadata.sequence.stream if msg.reply else None
        await queue.put(Received(msg.subject, msg.data, seq))

    policy = DeliverPolicy.ALL if from_start else DeliverPolicy.NEW
    subscriptions = []
    try:
        for subject in subjects:
            stream = stream_for_subject(subject).name
            subscriptions.append(
                await client.jetstream().subscribe(
                    subject, stream=stream, cb=collect, ordered_consumer=True, deliver_policy=policy
                )
            )
        yield queue
    finally:
        for subscription in subscriptions:
            await subscription.unsubscribe()


def decode_event(received: Received) -> Message | None:
    """The contract model of a received event, or None when it is not a valid gridstream message."""
    try:
        model = model_for_subject(received.subject)
        return model.model_validate_json(received.data)
    except (LookupError, ValueError, ValidationError):
        return None
