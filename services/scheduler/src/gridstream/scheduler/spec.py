"""A schedule as users write it (API create body and ``scheduler.schedules`` config entry).

Validation happens here, once, with messages that name the field: an invalid cron expression,
an unknown zone, both or neither of cron and every, an unknown command type, and a command that
fails its contract when resolved at a sample fire time (unknown area or data type, a window too
long for one request, a bad relative window...).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from gridstream.contracts.subjects import SubjectToken
from gridstream.scheduler.commands import COMMAND_TYPES, Problem, command_problems
from gridstream.scheduler.triggers import CronTrigger, IntervalTrigger, Trigger, check_cron, zone
from gridstream.scheduler.triggers import next_fire as _next_fire

Overlap = Literal["skip", "allow", "buffer_one"]
SAMPLE_AFTER = datetime(2025, 1, 1, tzinfo=UTC)
"""Templates are checked as if fired at the schedule's first fire time after this instant."""


class ScheduleSpec(BaseModel):
    """One schedule: its trigger, the command it publishes and how it fires."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: SubjectToken = Field(description="Unique name (a subject token: letters, digits, _ -).")
    cron: str | None = Field(
        None, description="Cron expression (5 fields, or 6 with seconds first); or give every."
    )
    timezone: str = Field("UTC", description="IANA zone the cron expression is read in.")
    every: int | None = Field(None, ge=1, description="Fire every this many seconds (>= 1).")
    command_type: str = Field(description="Command model: " + ", ".join(COMMAND_TYPES) + ".")
    command: dict[str, Any] = Field(
        default_factory=dict,
        description='The command JSON without envelope fields; {"relative": ...} windows allowed.',
    )
    enabled: bool = Field(True, description="False: the schedule exists but does not fire.")
    misfire_grace_seconds: int = Field(
        300, ge=0, description="A fire later than this (e.g. after downtime) is recorded missed."
    )
    coalesce: bool = Field(True, description="Several due fires become one (the latest).")
    overlap: Overlap = Field(
        "skip", description="skip: no fire while the previous has no outcome; allow; buffer_one."
    )
    jitter_seconds: float = Field(
        0, ge=0, description="Publish up to this much later (deterministic per fire)."
    )

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("command_type")
    @classmethod
    def _command_type(cls, value: str) -> str:
        if value not in COMMAND_TYPES:
            raise ValueError(f"unknown command type; expected one of: {', '.join(COMMAND_TYPES)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.cron is None) == (self.every is None):
            which = "both" if self.cron is not None else "neither"
            _fail([((), f"give either cron (with timezone) or every (seconds), not {which}")])
        if self.every is not None and "timezone" in self.model_fields_set:
            _fail([(("timezone",), "timezone applies to cron only, not to every")])
        fire_time = self.next_fire(SAMPLE_AFTER)
        problems = command_problems(self.command_type, self.command, fire_time)
        _fail([(("command", *loc), message) for loc, message in problems])
        return self

    def trigger(self) -> Trigger:
        """The trigger: cron in its zone, or every N seconds."""
        if self.cron is not None:
            return CronTrigger(self.cron, self.timezone)
        assert self.every is not None  # guaranteed by _consistent
        return IntervalTrigger(self.every)

    def next_fire(self, after: datetime) -> datetime:
        """The first fire time strictly after ``after`` (UTC)."""
        return _next_fire(self.trigger(), after)


def _fail(problems: list[Problem]) -> None:
    """Raise every problem at once, each at its own field path."""
    if problems:
        errors = [
            InitErrorDetails(type=PydanticCustomError("invalid", message), loc=loc, input=None)
            for loc, message in problems
        ]
        raise ValidationError.from_exception_data("ScheduleSpec", errors)
