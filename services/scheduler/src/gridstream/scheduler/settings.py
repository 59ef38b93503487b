"""Scheduler settings: the shared service settings plus schedules, defaults, lease and history.

In the config file they sit under `scheduler:`, beside `common:` (``settings.common``). The
schedules listed under `scheduler.schedules` are the desired state of the schedules they name,
applied on every start.
"""

from datetime import timedelta
from typing import Any, ClassVar

from pydantic import Field, field_validator

from gridstream.runtime.settings import ServiceSettings
from gridstream.scheduler.defaults import DefaultSchedules
from gridstream.scheduler.spec import ScheduleSpec


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
