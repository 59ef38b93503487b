"""Events (past tense, stream GRIDSTREAM_EVT): what happened, published by the services."""

from typing import Literal, Self
from uuid import UUID

from pydantic import Field, model_validator

from gridstream.contracts.areas import AreaCode
from gridstream.contracts.datatypes import DataType
from gridstream.contracts.envelope import Message
from gridstream.contracts.job_events import GapScanCompleted, ReportPublished
from gridstream.contracts.resolution import Resolution
from gridstream.contracts.series import SeriesKey
from gridstream.contracts.subjects import EVT_PREFIX, SubjectToken, subject
from gridstream.contracts.timeutil import UtcDatetime
from gridstream.contracts.window import TimeWindow

MAX_POINTS_PER_DATA_READY = 2000
"""DataReady carries at most this many points; larger changes are split over several events."""

ErrorKind = Literal["transient", "rate_limited", "auth", "bad_request", "parse", "internal"]
Point = tuple[UtcDatetime, float | None]


class _SeriesFamilyEvent(Message):
    area: AreaCode = Field(description="Area short code.")
    data_type: DataType = Field(description="The ENTSO-E data item.")


class CollectionCompleted(_SeriesFamilyEvent):
    """A collection finished and its data is stored."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.collection.completed.<area>.<data_type>"

    window: TimeWindow = Field(description="The window that was collected.")
    requests: int = Field(ge=0, description="ENTSO-E requests made.")
    points_written: int = Field(ge=0, description="Points inserted (new slots).")
    points_changed: int = Field(ge=0, description="Points whose stored value changed.")
    no_data: bool = Field(description="ENTSO-E answered 'no matching data' for every request.")
    api_seconds: float = Field(ge=0, description="Time spent waiting for ENTSO-E.")
    processing_seconds: float = Field(ge=0, description="Time spent parsing and storing.")
    backfill_jobs: int = Field(
        default=0,
        ge=0,
        description=(
            "Backfill jobs the older part of a planned 'latest' window was handed to (after a long "
            "downtime); they report BackfillProgress/BackfillCompleted under the same correlation id."
        ),
    )

    def subject(self) -> str:
        """gridstream.evt.collection.completed.<area>.<data_type>"""
        return subject(EVT_PREFIX, "collection", "completed", self.area, self.data_type)


class CollectionFailed(_SeriesFamilyEvent):
    """A collection attempt failed."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.collection.failed.<area>.<data_type>"

    window: TimeWindow | None = Field(default=None, description="Window tried, if planned.")
    error_kind: ErrorKind = Field(description="Classified cause.")
    message: str = Field(description="What went wrong (never contains secrets).")
    attempt: int = Field(ge=1, description="Delivery attempt of the command.")
    will_retry: bool = Field(description="True when the command will be redelivered.")

    def subject(self) -> str:
        """gridstream.evt.collection.failed.<area>.<data_type>"""
        return subject(EVT_PREFIX, "collection", "failed", self.area, self.data_type)


class DataReady(Message):
    """New or changed points of one series are stored."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.data.ready.<area>.<data_type>"

    series: SeriesKey = Field(description="The series.")
    unit: str = Field(description="Unit of the values, e.g. MW or EUR/MWh.")
    resolution: Resolution = Field(description="Resolution of these points.")
    window: TimeWindow = Field(description="Window the points fall in.")
    points: list[Point] = Field(
        max_length=MAX_POINTS_PER_DATA_READY,
        description="(timestamp, value) pairs written or changed; value null when missing.",
    )
    revision: bool = Field(description="True when already published values changed.")
    part: int = Field(default=1, ge=1, description="Part number when a change is split.")
    parts: int = Field(default=1, ge=1, description="Number of parts of this change.")

    @model_validator(mode="after")
    def _part_in_range(self) -> Self:
        if self.part > self.parts:
            raise ValueError(f"part {self.part} is greater than parts {self.parts}")
        return self

    def subject(self) -> str:
        """gridstream.evt.data.ready.<area>.<data_type>"""
        return subject(EVT_PREFIX, "data", "ready", self.series.area, self.series.data_type)


class BackfillProgress(_SeriesFamilyEvent):
    """One chunk of a backfill job is committed."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.backfill.progress.<area>.<data_type>"

    job_id: UUID = Field(description="The backfill job.")
    window: TimeWindow = Field(description="The job's whole range.")
    cursor: UtcDatetime = Field(description="Everything before this is done.")
    chunks_done: int = Field(ge=0, description="Chunks committed so far.")
    chunks_total: int = Field(ge=0, description="Chunks in the job.")
    points_written: int = Field(ge=0, description="Points written so far.")
    jobs_total: int = Field(
        default=1,
        ge=0,
        description="Jobs the request became (only parts no earlier backfill covers are fetched).",
    )

    def subject(self) -> str:
        """gridstream.evt.backfill.progress.<area>.<data_type>"""
        return subject(EVT_PREFIX, "backfill", "progress", self.area, self.data_type)


class BackfillCompleted(_SeriesFamilyEvent):
    """A backfill job finished."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.backfill.completed.<area>.<data_type>"

    job_id: UUID = Field(description="The backfill job.")
    window: TimeWindow = Field(description="The job's whole range.")
    chunks: int = Field(ge=0, description="Chunks fetched.")
    points_written: int = Field(ge=0, description="Points written.")
    points_changed: int = Field(ge=0, description="Points changed.")
    jobs_total: int = Field(
        default=1,
        ge=0,
        description="Jobs the request became; the request is done when all have completed "
        "(0: earlier backfills already cover the whole range).",
    )

    def subject(self) -> str:
        """gridstream.evt.backfill.completed.<area>.<data_type>"""
        return subject(EVT_PREFIX, "backfill", "completed", self.area, self.data_type)


class _GapEvent(Message):
    series: SeriesKey = Field(description="The series with the gap.")
    gap: TimeWindow = Field(description="The gap as an exact UTC interval.")
    resolution: Resolution = Field(description="Resolution in effect for the gap.")
    slots_missing: int = Field(ge=0, description="Slots missing in the gap.")


class GapDetected(_GapEvent):
    """Quality found a gap in a series."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.gap.detected.<area>.<data_type>"

    remediation: Literal["collect", "backfill", "wait", "missing_at_source", "none"] = Field(
        description="What quality did about it."
    )

    def subject(self) -> str:
        """gridstream.evt.gap.detected.<area>.<data_type>"""
        return subject(EVT_PREFIX, "gap", "detected", self.series.area, self.series.data_type)


class GapClosed(_GapEvent):
    """A previously detected gap is filled."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.gap.closed.<area>.<data_type>"

    def subject(self) -> str:
        """gridstream.evt.gap.closed.<area>.<data_type>"""
        return subject(EVT_PREFIX, "gap", "closed", self.series.area, self.series.data_type)


class QualityAssessed(Message):
    """Quality scored a series over a period."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.quality.assessed.<area>.<data_type>"

    series: SeriesKey = Field(description="The series.")
    window: TimeWindow = Field(description="The assessed period.")
    completeness: float = Field(ge=0, le=1, description="Share of expected slots present.")
    timeliness: float = Field(ge=0, le=1, description="Share of slots that arrived in time.")
    validity: float = Field(ge=0, le=1, description="Share of values passing validity checks.")
    accuracy: float | None = Field(
        default=None, ge=0, le=1, description="Forecast accuracy against realized data."
    )
    overall: float = Field(ge=0, le=1, description="Overall score.")
    findings: list[str] = Field(default_factory=list, description="Human-readable findings.")

    def subject(self) -> str:
        """gridstream.evt.quality.assessed.<area>.<data_type>"""
        return subject(EVT_PREFIX, "quality", "assessed", self.series.area, self.series.data_type)


Severity = Literal["info", "warning", "critical"]


class _ThresholdEvent(Message):
    rule: SubjectToken = Field(description="Rule name (a subject token).")
    labels: dict[str, str] = Field(default_factory=dict, description="Alert labels.")
    severity: Severity = Field(description="Severity of the rule.")
    value: float | None = Field(description="The evaluated value.")
    threshold: float | None = Field(description="The rule's threshold.")
    since: UtcDatetime = Field(description="When the condition started (or ended).")
    summary: str = Field(description="One-line human summary.")


class ThresholdBreached(_ThresholdEvent):
    """A monitor rule started firing."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.threshold.breached.<rule>"

    def subject(self) -> str:
        """gridstream.evt.threshold.breached.<rule>"""
        return subject(EVT_PREFIX, "threshold", "breached", self.rule)


class ThresholdRecovered(_ThresholdEvent):
    """A monitor rule stopped firing."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.threshold.recovered.<rule>"

    def subject(self) -> str:
        """gridstream.evt.threshold.recovered.<rule>"""
        return subject(EVT_PREFIX, "threshold", "recovered", self.rule)


class AlertNotified(Message):
    """The alerter delivered a notification."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.alert.notified.<status>"

    group_key: str = Field(description="The alert group.")
    receiver: str = Field(description="Receiver name.")
    channel: Literal["email", "webhook"] = Field(description="Channel used.")
    status: Literal["firing", "resolved"] = Field(description="Group status notified.")
    alerts: int = Field(ge=0, description="Alerts in the notification.")

    def subject(self) -> str:
        """gridstream.evt.alert.notified.<status>"""
        return subject(EVT_PREFIX, "alert", "notified", self.status)


class ScheduleFired(Message):
    """The scheduler fired a schedule and published its command."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.schedule.fired.<schedule>"

    schedule: SubjectToken = Field(description="Schedule name (a subject token).")
    fire_time: UtcDatetime = Field(description="The scheduled fire time.")
    command_subject: str = Field(description="Subject of the published command.")
    command_id: UUID = Field(description="event_id of the published command.")

    def subject(self) -> str:
        """gridstream.evt.schedule.fired.<schedule>"""
        return subject(EVT_PREFIX, "schedule", "fired", self.schedule)


class CommandRejected(Message):
    """A command could not be accepted; it is not redelivered."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.command.rejected"

    command_subject: str = Field(description="Subject the bad command arrived on.")
    command_id: str | None = Field(description="Its Nats-Msg-Id or event_id, when known.")
    consumer: str = Field(description="The consumer that rejected it.")
    reason: str = Field(description="Why, naming the offending field.")

    def subject(self) -> str:
        """gridstream.evt.command.rejected"""
        return f"{EVT_PREFIX}.command.rejected"


class ServiceHeartbeat(Message):
    """A service is alive (dead-man's switch)."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.heartbeat.<service>"

    service: SubjectToken = Field(description="Service name (a subject token).")
    instance: str = Field(description="Instance id (host and pid).")
    started_at: UtcDatetime = Field(description="When the instance started.")
    interval_seconds: float = Field(gt=0, description="Seconds until the next heartbeat.")
    version: str = Field(description="Service version.")

    def subject(self) -> str:
        """gridstream.evt.heartbeat.<service>"""
        return subject(EVT_PREFIX, "heartbeat", self.service)


EVENTS: tuple[type[Message], ...] = (
    CollectionCompleted,
    CollectionFailed,
    DataReady,
    BackfillProgress,
    BackfillCompleted,
    GapDetected,
    GapClosed,
    QualityAssessed,
    ThresholdBreached,
    ThresholdRecovered,
    AlertNotified,
    ScheduleFired,
    CommandRejected,
    ServiceHeartbeat,
    GapScanCompleted,
    ReportPublished,
)
