"""Split a long UTC range into request windows on calendar month (or year) boundaries, exactly."""

from __future__ import annotations

from datetime import UTC, datetime

from gridstream.collector.entsoe.errors import EntsoeInvalidRequest
from gridstream.contracts import DataType, TimeWindow, isoformat_z, spec_of


def split_range(start: datetime, end: datetime, max_months: int) -> list[TimeWindow]:
    """Cut [start, end) at every UTC calendar boundary of `max_months` months, keeping both bounds.

    With 1 month the cuts fall on the first of each month at 00:00Z, with 12 on 1 January; the first
    and last windows are partial when the bounds are not on a boundary. Nothing is rounded or padded.
    """
    if max_months < 1 or 12 % max_months != 0:
        raise ValueError(f"max_months must divide 12, got {max_months}")
    lower, upper = _utc(start, "start"), _utc(end, "end")
    if upper <= lower:
        raise EntsoeInvalidRequest(
            f"range end {isoformat_z(upper)} must be after its start {isoformat_z(lower)}"
        )
    windows: list[TimeWindow] = []
    cursor = lower
    while cursor < upper:
        cut = min(next_boundary(cursor, max_months), upper)
        windows.append(TimeWindow(start=cursor, end=cut))
        cursor = cut
    return windows


def split_for(data_type: DataType | str, start: datetime, end: datetime) -> list[TimeWindow]:
    """Split [start, end) into the largest windows ENTSO-E accepts for this data type."""
    return split_range(start, end, spec_of(data_type).max_window_months)


def next_boundary(ts: datetime, months: int) -> datetime:
    """The first UTC calendar boundary of a `months`-month grid (aligned to January) after ts."""
    index = ts.year * 12 + ts.month - 1
    following = (index // months + 1) * months
    year, month0 = divmod(following, 12)
    return datetime(year, month0 + 1, 1, tzinfo=UTC)


def _utc(ts: datetime, name: str) -> datetime:
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise EntsoeInvalidRequest(
            f"{name} {ts.isoformat()} has no time zone; ENTSO-E windows are exact UTC instants"
        )
    return ts.astimezone(UTC)
