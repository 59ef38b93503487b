"""NATS request/reply for points: `gridstream.rpc.collector.points`, the HTTP query over NATS."""

from collections.abc import Callable
from typing import Any

from faststream.nats import NatsBroker, NatsMessage
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gridstream.collector.queries import (
    NotFoundError,
    PageTooLargeError,
    PointsQuery,
    fit_page,
    points_page,
    validation_message,
)
from gridstream.contracts import rpc_subject

POINTS_SUBJECT = rpc_subject("collector", "points")
# Room left under max_payload for the reply's headers (faststream's correlation and content type).
_HEADER_ROOM = 4096


def register_rpc(
    broker: NatsBroker, sessions: async_sessionmaker[AsyncSession], queue: str
) -> Callable[..., Any]:
    """Answer points requests; replicas share the load through a queue group."""

    @broker.subscriber(POINTS_SUBJECT, queue=queue, title="points")
    async def points(body: Any, msg: NatsMessage) -> dict[str, Any] | bytes:
        # Validate the raw bytes ourselves: errors must name fields, not faststream's parameter.
        try:
            query = PointsQuery.model_validate_json(msg.body)
        except ValidationError as exc:
            return {"error": validation_message(exc), "status": 400}
        try:
            async with sessions() as session:
                page = await points_page(session, query)
        except NotFoundError as exc:
            return {"error": str(exc), "status": 404}
        # A reply over the server's max_payload is never delivered (the requester times out):
        # send what fits and let next_after fetch the rest.
        try:
            _, encoded = fit_page(page, broker.connection.max_payload - _HEADER_ROOM)
        except PageTooLargeError as exc:
            return {"error": str(exc), "status": 413}
        return encoded

    return points
