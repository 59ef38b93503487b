"""What a fire publishes: the command built from a schedule's template, with a deterministic id.

A command template is the command's JSON without envelope fields. Any value written as
``{"relative": {...}}`` (usually ``window``) is resolved to a UTC window ``{"start", "end"}`` when
the schedule fires, from the fire time (not the publish time, so a late fire covers the same period):

- ``{"relative": {"unit": "day", "offset": -1, "count": 1, "timezone": "Europe/Brussels"}}``:
  calendar periods in a zone. ``unit`` is hour, day, week (Monday first) or month; the window
  starts ``offset`` units from the start of the unit holding the fire time and covers ``count``
  units (defaults: offset -1, count 1, timezone UTC). This example is the previous local day
  (23, 24 or 25 hours long across DST).
- ``{"relative": {"last": "P3D"}}``: the ISO 8601 duration before the fire time,
  [fire time - 3 days, fire time).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gridstream.contracts import (
    BackfillRequested,
    CollectionRequested,
    GapScanRequested,
    Message,
    ReportRequested,
    ScheduleFired,
    add_months,
    isoformat_z,
    require_utc,
)
from gridstream.scheduler.triggers import local_instant, zone

if TYPE_CHECKING:
    from gridstream.scheduler.spec import ScheduleSpec

FIRE_NAMESPACE = UUID("6f1c3c52-8d0e-5b7a-9a41-2f5e7c0d9b13")
"""Namespace of fire ids: uuid5(FIRE_NAMESPACE, "<schedule>@<fire time, ISO UTC>")."""
SOURCE = "scheduler"
COMMAND_TYPES: dict[str, type[Message]] = {
    model.__name__: model
    for model in (CollectionRequested, BackfillRequested, GapScanRequested, ReportRequested)
}
ENVELOPE_FIELDS = frozenset(Message.model_fields)
Loc = tuple[int | str, ...]
Problem = tuple[Loc, str]


class RelativePeriod(BaseModel):
    """Calendar periods in a zone, counted from the one holding the fire time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unit: Literal["hour", "day", "week", "month"] = Field(description="Calendar unit.")
    offset: int = Field(-1, description="Units from the current one to the first (-1: previous).")
    count: int = Field(1, ge=1, description="Units covered.")
    timezone: str = Field("UTC", description="IANA zone the calendar is read in.")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone(value)
        return value

    def window(self, fire_time: datetime) -> tuple[datetime, datetime]:
        """[start, end) in UTC for a fire at ``fire_time``."""
        tz = zone(self.timezone)
        local = fire_time.astimezone(tz).replace(tzinfo=None)
        if self.unit == "hour":
            # Hours are elapsed time: count them in UTC so DST neither stretches nor shrinks them.
            start = local_instant(local.replace(minute=0, second=0, microsecond=0), tz)
            start += timedelta(hours=self.offset)
            return start, start + timedelta(hours=self.count)
        first = self._unit_start(local)
        start_wall = self._shift(first, self.offset)
        end_wall = self._shift(first, self.offset + self.count)
        return local_instant(start_wall, tz), local_instant(end_wall, tz)

    def _unit_start(self, local: datetime) -> datetime:
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.unit == "week":
            return midnight - timedelta(days=midnight.weekday())
        return midnight.replace(day=1) if self.unit == "month" else midnight

    def _shift(self, wall: datetime, units: int) -> datetime:
        if self.unit == "month":
            return add_months(wall, units)
        return wall + timedelta(days=units * (7 if self.unit == "week" else 1))


class RelativeLast(BaseModel):
    """The duration just before the fire time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    last: timedelta = Field(description="ISO 8601 duration, e.g. P3D or PT6H.")

    @field_validator("last")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive duration such as P3D or PT6H")
        return value

    def window(self, fire_time: datetime) -> tuple[datetime, datetime]:
        """[fire_time - last, fire_time)."""
        return fire_time - self.last, fire_time


def fire_id(schedule: str, fire_time: datetime) -> UUID:
    """The id of a schedule's fire: its command's event_id and the chain's correlation_id."""
    return uuid5(FIRE_NAMESPACE, f"{schedule}@{isoformat_z(fire_time)}")


class TemplateError(ValueError):
    """A relative window in a command template is invalid; ``problems`` locate each fault."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))
        self.problems = problems


def resolve_relative(value: Any, fire_time: datetime, path: Loc = ()) -> Any:
    """``value`` with every ``{"relative": {...}}`` replaced by its UTC window at ``fire_time``."""
    if isinstance(value, dict):
        if set(value) == {"relative"}:
            return _relative_window(value["relative"], require_utc(fire_time), (*path, "relative"))
        return {k: resolve_relative(v, fire_time, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_relative(v, fire_time, (*path, i)) for i, v in enumerate(value)]
    return value


def _relative_window(spec: Any, fire_time: datetime, path: Loc) -> dict[str, str]:
    model: type[RelativePeriod] | type[RelativeLast]
    model = RelativeLast if isinstance(spec, dict) and "last" in spec else RelativePeriod
    try:
        start, end = model.model_validate(spec).window(fire_time)
    except ValidationError as exc:
        problems = [
            ((*path, *e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()
        ]
        raise TemplateError(problems) from None
    return {"start": isoformat_z(start), "end": isoformat_z(end)}


def command_for(
    schedule: str,
    command_type: str,
    template: dict[str, Any],
    fire_time: datetime,
    at: datetime | None = None,
) -> Message:
    """The command a fire publishes; ValidationError (or KeyError for the type) when it is invalid."""
    model = COMMAND_TYPES[command_type]
    ident = fire_id(schedule, fire_time)
    data = dict(resolve_relative(template, fire_time))
    if model is CollectionRequested:
        data.setdefault("reason", "scheduled")
    data |= {
        "event_id": ident,
        "correlation_id": ident,
        "causation_id": None,
        "source": SOURCE,
        "occurred_at": require_utc(at or fire_time),
    }
    return model.model_validate(data)


def build_command(spec: ScheduleSpec, fire_time: datetime, at: datetime | None = None) -> Message:
    """The command ``spec`` publishes for its fire at ``fire_time`` (``at``: when, default then)."""
    return command_for(spec.name, spec.command_type, spec.command, fire_time, at)


def fired_event(
    spec: ScheduleSpec, fire_time: datetime, command: Message, at: datetime | None = None
) -> ScheduleFired:
    """The ScheduleFired record of a fire, with a deterministic id of its own."""
    fire_time = require_utc(fire_time)
    return ScheduleFired(
        event_id=uuid5(FIRE_NAMESPACE, f"fired:{spec.name}@{isoformat_z(fire_time)}"),
        correlation_id=command.event_id,
        causation_id=command.event_id,
        source=SOURCE,
        occurred_at=require_utc(at or fire_time),
        schedule=spec.name,
        fire_time=fire_time,
        command_subject=command.subject(),
        command_id=command.event_id,
    )


def command_problems(
    command_type: str, template: dict[str, Any], fire_time: datetime
) -> list[Problem]:
    """(location inside the command, message) for each problem of a template fired then."""
    if set(template) & ENVELOPE_FIELDS:
        fields = ", ".join(sorted(set(template) & ENVELOPE_FIELDS))
        return [((), f"envelope fields are set by the scheduler, not the template: {fields}")]
    try:
        command_for("check", command_type, template, fire_time)
    except TemplateError as exc:
        return exc.problems
    except ValidationError as exc:
        return [(tuple(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in exc.errors()]
    return []


__all__ = [
    "COMMAND_TYPES",
    "ENVELOPE_FIELDS",
    "FIRE_NAMESPACE",
    "RelativeLast",
    "RelativePeriod",
    "TemplateError",
    "build_command",
    "command_for",
    "command_problems",
    "fire_id",
    "fired_event",
    "resolve_relative",
]
