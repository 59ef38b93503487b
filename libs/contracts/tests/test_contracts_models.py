"""Every contract model round-trips through JSON, and the public names are pinned."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

import gridstream.contracts as contracts
from gridstream.contracts import (
    MODELS,
    AlertNotified,
    BackfillCompleted,
    BackfillProgress,
    BackfillRequested,
    CollectionCompleted,
    CollectionFailed,
    CollectionRequested,
    CommandRejected,
    DataReady,
    DataType,
    GapClosed,
    GapDetected,
    GapScanCompleted,
    GapScanRequested,
    Message,
    QualityAssessed,
    ReportPublished,
    ReportRequested,
    Resolution,
    ScheduleFired,
    SeriesKey,
    ServiceHeartbeat,
    ThresholdBreached,
    ThresholdRecovered,
    TimeWindow,
    model_for_subject,
)
from gridstream.contracts.schema_export import export_schemas

T0 = datetime(2024, 3, 1, tzinfo=UTC)
WINDOW = TimeWindow(start=T0, end=T0 + timedelta(days=1))
KEY = SeriesKey(area="DE_LU", data_type=DataType.GENERATION_ACTUAL, qualifier="B16")
THRESHOLD = {
    "rule": "stale_data",
    "labels": {"area": "DE_LU"},
    "severity": "warning",
    "value": 3.0,
    "threshold": 2.0,
    "since": T0,
    "summary": "DE_LU actual_load is 3 h old",
}
GAP = {"series": KEY, "gap": WINDOW, "resolution": Resolution.PT15M, "slots_missing": 96}
FAMILY = {"area": "NL", "data_type": DataType.ACTUAL_LOAD}

EXAMPLES: list[Message] = [
    CollectionRequested(**FAMILY, window=WINDOW, reason="scheduled"),
    CollectionRequested(**FAMILY),
    BackfillRequested(**FAMILY, window=WINDOW),
    GapScanRequested(series=[KEY]),
    ReportRequested(period="daily", window=WINDOW),
    CollectionCompleted(
        **FAMILY,
        window=WINDOW,
        requests=2,
        points_written=96,
        points_changed=1,
        no_data=False,
        api_seconds=0.4,
        processing_seconds=0.1,
    ),
    CollectionFailed(
        **FAMILY, window=WINDOW, error_kind="transient", message="503", attempt=1, will_retry=True
    ),
    DataReady(
        series=KEY,
        unit="MW",
        resolution=Resolution.PT15M,
        window=WINDOW,
        points=[(T0, 1.5), (T0 + timedelta(minutes=15), None)],
        revision=False,
    ),
    BackfillProgress(
        **FAMILY,
        job_id=uuid4(),
        window=WINDOW,
        cursor=T0,
        chunks_done=1,
        chunks_total=3,
        points_written=10,
    ),
    BackfillCompleted(
        **FAMILY, job_id=uuid4(), window=WINDOW, chunks=3, points_written=10, points_changed=0
    ),
    GapDetected(**GAP, remediation="backfill"),
    GapClosed(**GAP),
    QualityAssessed(
        series=KEY,
        window=WINDOW,
        completeness=1.0,
        timeliness=0.9,
        validity=1.0,
        overall=0.95,
        findings=["ok"],
    ),
    ThresholdBreached(**THRESHOLD),
    ThresholdRecovered(**THRESHOLD),
    AlertNotified(group_key="g", receiver="ops", channel="email", status="firing", alerts=2),
    GapScanCompleted(series_scanned=12, gaps_found=2, slots_missing=96, backfills_requested=1),
    ReportPublished(
        kind="quality",
        period="daily",
        window=WINDOW,
        location="http://127.0.0.1:8085/v1/reports/quality/daily/2024-03-01",
        formats=["json", "markdown"],
    ),
    ScheduleFired(
        schedule="latest_load",
        fire_time=T0,
        command_subject="gridstream.cmd.collect.NL.actual_load",
        command_id=uuid4(),
    ),
    CommandRejected(
        command_subject="gridstream.cmd.collect.XX.actual_load",
        command_id=None,
        consumer="collector",
        reason="area: unknown area 'XX'",
    ),
    ServiceHeartbeat(
        service="collector",
        instance="host-1",
        started_at=T0,
        interval_seconds=30,
        version="0.1.0",
    ),
]


def test_every_model_has_an_example() -> None:
    assert {type(m) for m in EXAMPLES} == set(MODELS)


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip_through_json(message: Message) -> None:
    again = type(message).model_validate_json(message.model_dump_json())
    assert again == message
    assert model_for_subject(message.subject()) is type(message)


def test_correlation_defaults_to_own_id_and_follows_causes() -> None:
    command = CollectionRequested(**FAMILY)
    assert command.correlation_id == command.event_id
    event = CollectionFailed(
        **FAMILY, error_kind="auth", message="401", attempt=1, will_retry=False, **command.caused()
    )
    assert event.correlation_id == command.event_id
    assert event.causation_id == command.event_id
    assert event.event_id != command.event_id


def test_unknown_fields_are_ignored() -> None:
    data = CollectionRequested(**FAMILY).model_dump(mode="json")
    data["added_in_a_later_version"] = 1
    assert CollectionRequested.model_validate(data).area == "NL"


def test_the_chain_closing_events_have_their_documented_subjects() -> None:
    scan = GapScanCompleted(series_scanned=0, gaps_found=0)
    assert scan.subject() == "gridstream.evt.gapscan.completed"
    assert (scan.slots_missing, scan.backfills_requested, scan.collections_requested) == (0, 0, 0)
    report = ReportPublished(kind="monitor", period="weekly", window=WINDOW, location="x")
    assert report.subject() == "gridstream.evt.report.published.monitor"
    assert report.formats == ["json"]
    assert model_for_subject("gridstream.evt.report.published.quality") is ReportPublished
    assert model_for_subject("gridstream.evt.gapscan.completed") is GapScanCompleted


def test_the_chain_closing_events_reject_bad_values() -> None:
    with pytest.raises(ValidationError, match="gaps_found"):
        GapScanCompleted(series_scanned=1, gaps_found=-1)
    with pytest.raises(ValidationError, match="kind"):
        ReportPublished(kind="quality report", period="daily", window=WINDOW, location="x")
    with pytest.raises(ValidationError, match="location"):
        ReportPublished(kind="quality", period="daily", window=WINDOW, location="")
    with pytest.raises(ValidationError, match="period"):
        ReportPublished(kind="quality", period="hourly", window=WINDOW, location="x")


def test_schema_export_covers_every_model(tmp_path: Path) -> None:
    written = export_schemas(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{m.__name__}.json" for m in MODELS)
    assert all(p.stat().st_size > 100 for p in written)


def test_public_api_is_pinned() -> None:
    exported = {name for name in dir(contracts) if not name.startswith("_")}
    assert set(contracts.__all__) <= exported
    assert {m.__name__ for m in MODELS} <= set(contracts.__all__)
