"""The three JetStream streams, defined once here; services never redefine them."""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from gridstream.contracts.subjects import CMD_PREFIX, DLQ_PREFIX, EVT_PREFIX


class Retention(StrEnum):
    """JetStream retention policy names."""

    LIMITS = "limits"
    WORK_QUEUE = "workqueue"
    INTEREST = "interest"


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """A stream's canonical configuration (turned into a JetStream config by the runtime)."""

    name: str
    subjects: tuple[str, ...]
    retention: Retention
    max_age: timedelta
    duplicate_window: timedelta
    description: str


CMD_STREAM = StreamSpec(
    name="GRIDSTREAM_CMD",
    subjects=(f"{CMD_PREFIX}.>",),
    retention=Retention.LIMITS,
    max_age=timedelta(days=7),
    # Long enough that a schedule fired twice around a lease hand-over is stored once.
    duplicate_window=timedelta(minutes=30),
    description="Commands: collections, backfills, gap scans, reports.",
)
EVT_STREAM = StreamSpec(
    name="GRIDSTREAM_EVT",
    subjects=(f"{EVT_PREFIX}.>",),
    retention=Retention.LIMITS,
    max_age=timedelta(days=14),
    duplicate_window=timedelta(minutes=10),
    description="Events: collection outcomes, data ready, gaps, quality, thresholds, alerts.",
)
DLQ_STREAM = StreamSpec(
    name="GRIDSTREAM_DLQ",
    subjects=(f"{DLQ_PREFIX}.>",),
    retention=Retention.LIMITS,
    max_age=timedelta(days=30),
    duplicate_window=timedelta(minutes=10),
    description="Dead letters: messages a consumer gave up on, with the reason in headers.",
)

STREAMS: tuple[StreamSpec, ...] = (CMD_STREAM, EVT_STREAM, DLQ_STREAM)


def stream_for_subject(subject: str) -> StreamSpec:
    """The stream that stores a subject; ValueError when none does (e.g. rpc subjects)."""
    for spec in STREAMS:
        if any(subject.startswith(s.removesuffix(">")) for s in spec.subjects):
            return spec
    raise ValueError(f"subject {subject!r} belongs to no gridstream stream")
