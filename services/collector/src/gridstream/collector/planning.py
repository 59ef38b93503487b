"""Plans the window of a "latest" collection from what the store already has (pure functions)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gridstream.contracts import DataType, Horizon, TimeWindow, add_months, get_area, spec_of

_YEARLY = frozenset(
    {
        DataType.LOAD_FORECAST_YEAR_AHEAD,
        DataType.FORECAST_MARGIN_YEAR_AHEAD,
        DataType.INSTALLED_CAPACITY,
    }
)


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
