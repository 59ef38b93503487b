"""JetStream streams from the contracts' one canonical definition (faststream JStream and nats-py)."""

from collections.abc import Iterable

from faststream.nats import JStream
from nats.js.api import RetentionPolicy, StreamConfig
from nats.js.errors import BadRequestError
from nats.js.manager import JetStreamManager

from gridstream.contracts import STREAMS, StreamSpec

# The server's answer when a stream exists with another configuration.
_STREAM_NAME_IN_USE = 10058


def to_jstream(spec: StreamSpec) -> JStream:
    """A fresh faststream JStream for ``spec`` (declare=True).

    Always a new object: the broker mutates the JStream it declares (``declare``, ``subjects``),
    so sharing one between brokers would stop the second from declaring it.
    """
    return JStream(
        name=spec.name,
        description=spec.description,
        subjects=list(spec.subjects),
        retention=RetentionPolicy(spec.retention.value),
        max_age=spec.max_age.total_seconds(),
        duplicate_window=spec.duplicate_window.total_seconds(),
        declare=True,
    )


def stream_config(spec: StreamSpec) -> StreamConfig:
    """The nats-py StreamConfig for ``spec``; the same settings a subscriber's JStream declares."""
    jstream = to_jstream(spec)
    # JStream leaves config.subjects empty and passes its subjects at declaration time.
    config: StreamConfig = jstream.config.evolve(subjects=list(jstream.subjects))
    return config


async def ensure_streams(js: JetStreamManager, specs: Iterable[StreamSpec] = STREAMS) -> None:
    """Create each stream, or update it to the canonical configuration when it differs (idempotent)."""
    for spec in specs:
        config = stream_config(spec)
        try:
            await js.add_stream(config)
        except BadRequestError as exc:
            if exc.err_code != _STREAM_NAME_IN_USE:
                raise
            await js.update_stream(config)
