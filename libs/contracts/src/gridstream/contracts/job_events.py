"""Events closing the chains of the quality and monitor jobs the scheduler starts.

A fire's outcome is the final event carrying its correlation id: `GapScanCompleted` answers
`GapScanRequested`, `ReportPublished` answers `ReportRequested` (one per report kind produced).
They live beside events.py (which lists them in EVENTS) to keep each module small.
"""

from typing import Literal

from pydantic import Field

from gridstream.contracts.envelope import Message
from gridstream.contracts.subjects import EVT_PREFIX, SubjectToken, subject
from gridstream.contracts.window import TimeWindow


class GapScanCompleted(Message):
    """Quality finished a coverage scan (all configured series, or those the request named)."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.gapscan.completed"

    series_scanned: int = Field(ge=0, description="Series whose coverage was checked.")
    gaps_found: int = Field(ge=0, description="Open gaps found (new or still open).")
    slots_missing: int = Field(default=0, ge=0, description="Slots missing over all gaps found.")
    collections_requested: int = Field(
        default=0, ge=0, description="CollectionRequested (gap_fill) published for small gaps."
    )
    backfills_requested: int = Field(
        default=0, ge=0, description="BackfillRequested published for large or old gaps."
    )

    def subject(self) -> str:
        """gridstream.evt.gapscan.completed"""
        return f"{EVT_PREFIX}.gapscan.completed"


class ReportPublished(Message):
    """The monitor or quality produced a report of a period and says where to get it."""

    SUBJECT_PATTERN = f"{EVT_PREFIX}.report.published.<kind>"

    kind: SubjectToken = Field(
        description="Which report, e.g. 'quality' or 'monitor' (a subject token)."
    )
    period: Literal["daily", "weekly"] = Field(description="Report period, as requested.")
    window: TimeWindow = Field(description="The period the report covers.")
    location: str = Field(
        min_length=1, description="Where to get it: the URL (or path) serving the report."
    )
    formats: list[str] = Field(
        default_factory=lambda: ["json"],
        description="Formats available at location, e.g. json, markdown.",
    )

    def subject(self) -> str:
        """gridstream.evt.report.published.<kind>"""
        return subject(EVT_PREFIX, "report", "published", self.kind)
