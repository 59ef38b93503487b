"""What a test's JetStream server stored: gridstream messages decoded as they arrive, with waits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg

from gridstream.contracts import Message, model_for_subject
from gridstream.testing.waiting import wait_until


@dataclass
class MessageLog:
    """Every message on a subject filter since the log started, decoded by its contract model."""

    messages: list[Message] = field(default_factory=list)
    raw: list[Msg] = field(default_factory=list)

    async def on_message(self, msg: Msg) -> None:
        """Decode and keep one message (a subscription callback)."""
        self.raw.append(msg)
        self.messages.append(model_for_subject(msg.subject).model_validate_json(msg.data))

    def of(self, kind: type[Message], **match: Any) -> list[Any]:
        """Messages of one model whose fields equal ``match``."""
        return [
            m
            for m in self.messages
            if isinstance(m, kind) and all(getattr(m, k) == v for k, v in match.items())
        ]

    async def wait_for(
        self, kind: type[Message], count: int = 1, within: float = 30.0, **match: Any
    ) -> list[Any]:
        """Wait until at least ``count`` matching messages arrived; all of them."""
        await wait_until(
            lambda: len(self.of(kind, **match)) >= count,
            timeout=within,
            description=f"{count} x {kind.__name__} {match}",
        )
        return self.of(kind, **match)


async def follow_stream(client: Client, stream: str, subjects: str) -> AsyncIterator[MessageLog]:
    """Yield a log of ``subjects`` in ``stream`` (for a fixture: ``async for log in ...``).

    The service under test creates the stream when it starts, so the subscription waits for it in
    the background; an ordered consumer replays the stream from its start.
    """
    log = MessageLog()
    js = client.jetstream()

    async def exists() -> bool:
        try:
            await js.stream_info(stream)
        except Exception:
            return False
        return True

    holder: dict[str, Any] = {}

    async def start() -> None:
        await wait_until(exists, timeout=30, description=f"stream {stream} exists")
        holder["sub"] = await js.subscribe(subjects, ordered_consumer=True, cb=log.on_message)

    task = asyncio.create_task(start())
    try:
        yield log
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if "sub" in holder:
            await holder["sub"].unsubscribe()
