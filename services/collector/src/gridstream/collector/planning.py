"""Plans the window of a "latest" collection from what the store already has (pure functions)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gridstream.contracts import DataType, Horizon, TimeWindow, add_months, get_area, spec_of

_INSTANT = timedelta(microseconds=1)
_YEARLY = frozenset(
    {
        DataType.LOAD_FORECAST_YEAR_AHEAD,
        DataType.FORECAST_MARGIN_YEAR_AHEAD,
        DataType.INSTALLED_CAPACITY,
    }
)


@dataclass(frozen=True, slots=True)
class LatestPlan:
    """A latest collection: the window collected now, and an older part left to a backfill."""

    collect: TimeWindow
    backfill: TimeWindow | None = None


@dataclass(frozen=True, slots=True)
class PlanningPolicy:
    """How far back a latest collection looks."""

    revision_lookback: timedelta = timedelta(hours=24)
    initial_lookback: timedelta = timedelta(days=7)


def plan_latest(
    area: str,
    data_type: DataType,
    last_point: datetime | None,
    now: datetime,
    policy: PlanningPolicy,
) -> TimeWindow:
    """The window a latest collection of one family should fetch, given its newest stored point."""
    spec = spec_of(data_type)
    tz = ZoneInfo(get_area(area).tz)
    now = now.replace(second=0, microsecond=0)
    if spec.horizon is Horizon.REALIZED:
        start = _realized_start(last_point, now, policy)
        return TimeWindow(start=start, end=now)
    today = _local_midnight(now, tz)
    if data_type in _YEARLY:
        start = _local_year_start(now, tz)
        end = _local_year_start(add_months(start.astimezone(tz), 24), tz)
    elif data_type is DataType.LOAD_FORECAST_MONTH_AHEAD:
        start = _local_month_start(now, tz)
        end = _local_month_start(add_months(start.astimezone(tz), 3), tz)
    else:
        horizon = spec.forecast_horizon or timedelta(days=2)
        start = today - policy.revision_lookback
        end = _local_midnight(today + horizon + timedelta(hours=12), tz)
    if last_point is None:
        start = min(start, now - policy.initial_lookback)
    return TimeWindow(start=start, end=end)


def split_long(data_type: DataType, window: TimeWindow) -> LatestPlan:
    """Collect only the newest request window of a realized window longer than the largest one.

    Only realized data can fall that far behind (after a long downtime). The cut falls on the
    request-window grid, so the collection and the backfill chunks share no request window.
    """
    spec = spec_of(data_type)
    if spec.horizon is not Horizon.REALIZED or window.end <= spec.latest_allowed_end(window.start):
        return LatestPlan(collect=window)
    cut = _grid_start(window.end - _INSTANT, spec.max_window_months)
    return LatestPlan(
        collect=TimeWindow(start=cut, end=window.end),
        backfill=TimeWindow(start=window.start, end=cut),
    )


def _grid_start(ts: datetime, months: int) -> datetime:
    """The start of the UTC request window of `months` months (aligned to January) holding ts."""
    index = (ts.year * 12 + ts.month - 1) // months * months
    year, month0 = divmod(index, 12)
    return datetime(year, month0 + 1, 1, tzinfo=UTC)


def _realized_start(last_point: datetime | None, now: datetime, policy: PlanningPolicy) -> datetime:
    if last_point is None:
        return now - policy.initial_lookback
    return min(last_point - policy.revision_lookback, now - timedelta(hours=1))


def _local_midnight(ts: datetime, tz: ZoneInfo) -> datetime:
    local = ts.astimezone(tz)
    midnight = datetime(local.year, local.month, local.day, tzinfo=tz)
    return midnight.astimezone(UTC)


def _local_month_start(ts: datetime, tz: ZoneInfo) -> datetime:
    local = ts.astimezone(tz)
    return datetime(local.year, local.month, 1, tzinfo=tz).astimezone(UTC)


def _local_year_start(ts: datetime, tz: ZoneInfo) -> datetime:
    local = ts.astimezone(tz)
    return datetime(local.year, 1, 1, tzinfo=tz).astimezone(UTC)
