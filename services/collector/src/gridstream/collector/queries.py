"""Read-side queries shared by the HTTP API and NATS request/reply: validated, bounded, paginated."""

from datetime import datetime, timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.collector.store import (
    StoredSeries,
    find_series,
    get_series,
    latest_points,
    read_points,
)
from gridstream.contracts import SeriesKey, UtcDatetime, isoformat_z

MAX_PAGE = 100_000
DEFAULT_PAGE = 10_000


def validation_message(exc: ValidationError) -> str:
    """A one-line message naming each bad field and its problem."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'request'}: "
        f"{e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors()
    )


class NotFoundError(LookupError):
    """The requested series does not exist."""


class PageTooLargeError(ValueError):
    """Not even one point fits the size a page may have."""


class PointsQuery(BaseModel):
    """Points of one series in [start, end), as known now or at `as_of`, one page at a time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    series_id: int | None = Field(default=None, ge=1, description="Series id, or give `series`.")
    series: SeriesKey | None = Field(default=None, description="Series key, or give `series_id`.")
    start: UtcDatetime = Field(description="Inclusive start, UTC.")
    end: UtcDatetime = Field(description="Exclusive end, UTC.")
    as_of: UtcDatetime | None = Field(default=None, description="Read what was known then.")
    after: UtcDatetime | None = Field(default=None, description="Page cursor: points after this.")
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="Page size.")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.series_id is None) == (self.series is None):
            raise ValueError("give exactly one of series_id and series")
        if self.end <= self.start:
            raise ValueError(
                f"end {isoformat_z(self.end)} must be after start {isoformat_z(self.start)}"
            )
        return self


class PointsPage(BaseModel):
    """One page of points; `next_after` is the cursor of the next page, None on the last one."""

    series_id: int
    series: SeriesKey
    unit: str
    as_of: datetime | None
    points: list[tuple[datetime, float | None, str]]
    next_after: datetime | None


async def points_page(session: AsyncSession, query: PointsQuery) -> PointsPage:
    """Run a points query; NotFoundError when the series is unknown."""
    series = await _series_of(session, query)
    rows = await read_points(
        session,
        series.id,
        query.start,
        query.end,
        as_of=query.as_of,
        after=query.after,
        limit=query.limit + 1,
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return PointsPage(
        series_id=series.id,
        series=series.key,
        unit=series.unit,
        as_of=query.as_of,
        points=[(p.ts, p.value, str(p.resolution)) for p in rows],
        next_after=rows[-1].ts if more else None,
    )


def fit_page(page: PointsPage, max_bytes: int) -> tuple[PointsPage, bytes]:
    """The page cut to its longest prefix whose JSON fits `max_bytes`, and that JSON.

    A cut page's `next_after` is its last point, so the rest follows on the next request.
    """
    body = page.model_dump_json().encode()
    while len(body) > max_bytes:
        count = len(page.points)
        if count <= 1:
            raise PageTooLargeError(f"one point does not fit in {max_bytes} bytes")
        # Points encode to about the same size: cut in proportion, a little under, then check.
        keep = max(1, min(count - 1, int(count * max_bytes / len(body) * 0.98)))
        points = page.points[:keep]
        page = page.model_copy(update={"points": points, "next_after": points[-1][0]})
        body = page.model_dump_json().encode()
    return page, body


async def _series_of(session: AsyncSession, query: PointsQuery) -> StoredSeries:
    if query.series_id is not None:
        found = await get_series(session, query.series_id)
        missing = f"series {query.series_id}"
    else:
        assert query.series is not None  # guaranteed by the validator
        found = await find_series(session, query.series)
        missing = f"series {query.series}"
    if found is None:
        raise NotFoundError(f"{missing} does not exist")
    return found


class LatestPoint(BaseModel):
    """The newest point of a series and how old it is."""

    series_id: int
    series: SeriesKey
    unit: str
    ts: datetime
    value: float | None
    last_changed: datetime
    age_seconds: float


async def latest(session: AsyncSession, now: datetime) -> list[LatestPoint]:
    """Newest point per series, with its age relative to `now` (negative for forecasts)."""
    return [
        LatestPoint(
            series_id=series.id,
            series=series.key,
            unit=series.unit,
            ts=ts,
            value=value,
            last_changed=changed,
            age_seconds=(now - ts) / timedelta(seconds=1),
        )
        for series, ts, value, changed in await latest_points(session)
    ]
