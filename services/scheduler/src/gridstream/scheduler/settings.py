"""Scheduler settings: the shared service settings plus schedules, defaults, lease and history.

In the config file they sit under `scheduler:`, beside `common:` (``settings.common``). The
schedules listed under `scheduler.schedules` are the desired state of the schedules they name,
applied on every start.
"""

from datetime import timedelta
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator

from gridstream.runtime.settings import ServiceSettings
from gridstream.scheduler.commands import COMMAND_TYPES
from gridstream.scheduler.defaults import DefaultSchedules
from gridstream.scheduler.spec import ScheduleSpec

UNTRACKED_BY_DEFAULT = ("GapScanRequested", "ReportRequested")
"""Until quality and the monitor publish GapScanCompleted and ReportPublished."""


class SchedulerSettings(ServiceSettings):
    """Everything the scheduler reads from the environment or the config file's `scheduler:`."""

    config_section: ClassVar[str] = "scheduler"
    service_name: str = Field("scheduler", description="Service name (a subject token).")
    http_port: int = Field(8082, ge=0, le=65535, description="HTTP port; 0 picks a free port.")
    schedules: list[ScheduleSpec] = Field(
        default_factory=list,
        description="Schedules applied on every start (same fields as POST /v1/schedules).",
    )
    default_schedules_enabled: bool = Field(
        True, description="Create the publication-aware default schedules."
    )
    defaults: DefaultSchedules = Field(
        default_factory=DefaultSchedules, description="Tunables of the default schedules."
    )
    lease_seconds: float = Field(
        15.0, ge=1, le=600, description="Firing lease, seconds: a dead leader is replaced within."
    )
    max_idle: float = Field(
        5.0, gt=0, le=60, description="Longest wait between checks for due fires, seconds."
    )
    outcome_timeout: timedelta = Field(
        timedelta(hours=1),
        gt=timedelta(0),
        description="A fire with no outcome after this long is recorded lost (seconds or ISO 8601).",
    )
    history_retention: timedelta = Field(
        timedelta(days=30),
        gt=timedelta(0),
        description="How long fire history is kept (seconds or ISO 8601).",
    )

    untracked_command_types: list[str] = Field(
        default_factory=lambda: list(UNTRACKED_BY_DEFAULT),
        description=(
            "Command types whose outcome event no service publishes yet: their fires stay "
            "`published`, count as finished for the overlap policy and are never marked lost. "
            "Remove an entry once its publisher runs (quality: GapScanCompleted; monitor: "
            "ReportPublished)."
        ),
    )

    @field_validator("untracked_command_types")
    @classmethod
    def _known_command_types(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in COMMAND_TYPES]
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            raise ValueError(
                f"unknown command type {names}; expected some of: {', '.join(COMMAND_TYPES)}"
            )
        return value

    @field_validator("history_retention")
    @classmethod
    def _longer_than_outcome_timeout(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        # Purging ignores status: a fire still waiting for its outcome must not be purged.
        timeout = info.data.get("outcome_timeout")
        if timeout is not None and value < timeout:
            raise ValueError("must not be shorter than outcome_timeout")
        return value

    @field_validator("outcome_timeout", "history_retention", mode="before")
    @classmethod
    def _seconds_too(cls, value: Any) -> Any:
        # Environment values are strings: accept "3600" as seconds besides ISO 8601 ("PT1H").
        if isinstance(value, str) and value.replace(".", "", 1).isdigit():
            return float(value)
        return value

    @field_validator("schedules")
    @classmethod
    def _unique_names(cls, value: list[ScheduleSpec]) -> list[ScheduleSpec]:
        names = [spec.name for spec in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"schedule names must be unique; repeated: {', '.join(twice)}")
        return value
