"""Commands (imperative, stream GRIDSTREAM_CMD): what users and services ask the system to do."""

from typing import Literal, Self

from pydantic import Field, model_validator

from gridstream.contracts.areas import AreaCode, get_area
from gridstream.contracts.datatypes import DataType, spec_of
from gridstream.contracts.envelope import Message
from gridstream.contracts.series import SeriesKey
from gridstream.contracts.subjects import CMD_PREFIX, subject
from gridstream.contracts.timeutil import isoformat_z
from gridstream.contracts.window import TimeWindow

CollectionReason = Literal["scheduled", "manual", "gap_fill", "revision_check"]


class _AreaDataTypeCommand(Message):
    area: AreaCode = Field(description="Area short code or EIC (stored as the short code).")
    data_type: DataType = Field(description="The ENTSO-E data item.")
    to_area: AreaCode | None = Field(
        default=None,
        description="Receiving area of a crossborder_flow (required for flows, unused otherwise).",
    )

    @model_validator(mode="after")
    def _area_publishes_type(self) -> Self:
        spec = spec_of(self.data_type)
        if not spec.published_for(get_area(self.area)):
            raise ValueError(
                f"area {self.area} does not publish {self.data_type}: "
                f"{spec.title} exist only for bidding zones"
            )
        is_flow = self.data_type is DataType.CROSSBORDER_FLOW
        if is_flow and self.to_area is None:
            raise ValueError("to_area: crossborder_flow needs the receiving area in to_area")
        if not is_flow and self.to_area is not None:
            raise ValueError(f"to_area: only crossborder_flow takes to_area, not {self.data_type}")
        if self.to_area == self.area:
            raise ValueError(f"to_area: a flow from {self.area} to itself is not a flow")
        return self


def _check_window_size(data_type: DataType, window: TimeWindow, hint: str) -> None:
    spec = spec_of(data_type)
    latest = spec.latest_allowed_end(window.start)
    if window.end > latest:
        raise ValueError(
            f"window {window} is longer than {spec.max_window}, the most one request of "
            f"{data_type} may cover (end at most {isoformat_z(latest)}){hint}"
        )


class CollectionRequested(_AreaDataTypeCommand):
    """Fetch one series family for a window, or the latest data when no window is given."""

    SUBJECT_PATTERN = f"{CMD_PREFIX}.collect.<area>.<data_type>"

    window: TimeWindow | None = Field(
        default=None, description="Window to fetch; None asks for the latest data."
    )
    reason: CollectionReason = Field(default="manual", description="Why it was requested.")

    @model_validator(mode="after")
    def _window_fits(self) -> Self:
        if self.window is not None:
            _check_window_size(self.data_type, self.window, "; use BackfillRequested for more")
        return self

    def subject(self) -> str:
        """gridstream.cmd.collect.<area>.<data_type>"""
        return subject(CMD_PREFIX, "collect", self.area, self.data_type)


class BackfillRequested(_AreaDataTypeCommand):
    """Fill [window.start, window.end) in chunks, resumably."""

    SUBJECT_PATTERN = f"{CMD_PREFIX}.backfill.<area>.<data_type>"

    window: TimeWindow = Field(description="The range to fill.")

    def subject(self) -> str:
        """gridstream.cmd.backfill.<area>.<data_type>"""
        return subject(CMD_PREFIX, "backfill", self.area, self.data_type)


class GapScanRequested(Message):
    """Ask quality to scan coverage now, for all configured series or only some."""

    SUBJECT_PATTERN = f"{CMD_PREFIX}.gapscan"

    series: list[SeriesKey] | None = Field(
        default=None, description="Series to scan; None scans every configured series."
    )

    def subject(self) -> str:
        """gridstream.cmd.gapscan"""
        return f"{CMD_PREFIX}.gapscan"


class ReportRequested(Message):
    """Ask monitor and quality for the daily or weekly report of a period."""

    SUBJECT_PATTERN = f"{CMD_PREFIX}.report"

    period: Literal["daily", "weekly"] = Field(description="Report kind.")
    window: TimeWindow = Field(description="The period the report covers.")

    def subject(self) -> str:
        """gridstream.cmd.report"""
        return f"{CMD_PREFIX}.report"


COMMANDS: tuple[type[Message], ...] = (
    CollectionRequested,
    BackfillRequested,
    GapScanRequested,
    ReportRequested,
)
