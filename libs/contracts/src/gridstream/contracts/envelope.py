"""The envelope every command and event carries: ids, time, source, correlation and version."""

from abc import abstractmethod
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridstream.contracts.subjects import check_token
from gridstream.contracts.timeutil import UtcDatetime, utcnow


class Message(BaseModel):
    """Base of every gridstream command and event (frozen, tolerant of unknown fields)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    SCHEMA_VERSION: ClassVar[int] = 1
    SUBJECT_PATTERN: ClassVar[str] = ""

    event_id: UUID = Field(
        default_factory=uuid4, description="Unique id; also the JetStream Nats-Msg-Id."
    )
    occurred_at: UtcDatetime = Field(
        default_factory=utcnow, description="When it happened, timezone-aware UTC."
    )
    source: str = Field(
        default="cli", description="Service (or tool) that produced it.", min_length=1
    )
    correlation_id: UUID = Field(
        default=None,  # type: ignore[assignment]  # filled by _default_correlation
        description="Id of the command or schedule fire that started the chain.",
    )
    causation_id: UUID | None = Field(
        default=None, description="Id of the message that directly caused this one."
    )
    schema_version: int = Field(default=1, ge=1, description="Version of this message's schema.")

    @model_validator(mode="before")
    @classmethod
    def _default_correlation(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("correlation_id") is None:
            data = dict(data)
            data.setdefault("event_id", None)
            if data["event_id"] is None:
                data["event_id"] = uuid4()
            data["correlation_id"] = data["event_id"]
        return data

    @model_validator(mode="after")
    def _check_source(self) -> Self:
        check_token(self.source, "source")
        return self

    @abstractmethod
    def subject(self) -> str:
        """The NATS subject this message is published on."""

    def caused(self) -> dict[str, UUID]:
        """Envelope fields for a message caused by this one (same correlation, this as cause)."""
        return {"correlation_id": self.correlation_id, "causation_id": self.event_id}
