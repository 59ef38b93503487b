"""When a schedule fires: cron in a named zone (via cronsim) or a fixed interval, plus jitter.

DST rule: a cron expression names local wall-clock times, and every matching wall-clock time
fires exactly once. A time that does not exist (spring forward) fires once, at the first instant
after the gap; a time that exists twice (fall back) fires once, at its first occurrence. So a
daily schedule fires once every day, and ``0 * * * *`` fires 23 times on the short day and 24 on
the long one (use ``every: 3600`` for every elapsed hour). ``every`` counts from the Unix epoch,
so all replicas agree on the fire times. All times in and out are UTC.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from gridstream.contracts import isoformat_z, require_utc

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_FIRES = 1000
"""The most fire times one call lists (a long outage of a 1-second schedule stays bounded)."""
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class CronTrigger:
    """A cron expression (5 fields, or 6 with seconds first) evaluated in a named zone."""

    expr: str
    timezone: str

    def __post_init__(self) -> None:
        zone(self.timezone)
        check_cron(self.expr)


@dataclass(frozen=True, slots=True)
class IntervalTrigger:
    """Every ``seconds`` seconds, counted from the Unix epoch."""

    seconds: int

    def __post_init__(self) -> None:
        if self.seconds < 1:
            raise ValueError("every must be at least 1 second")


Trigger = CronTrigger | IntervalTrigger


class HasTrigger(Protocol):
    """Anything that knows its trigger (a ScheduleSpec)."""

    def trigger(self) -> Trigger:
        """The schedule's trigger."""
        ...


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError naming the problem when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            "unknown time zone: use an IANA name such as Europe/Berlin or UTC"
        ) from None


def check_cron(expr: str) -> str:
    """Return ``expr`` when cronsim accepts it; ValueError saying what is wrong otherwise."""
    try:
        CronSim(expr, datetime(2000, 1, 1))
    except CronSimError as exc:
        raise ValueError(f"invalid cron expression: {exc}") from None
    return expr


def _trigger(value: Trigger | HasTrigger) -> Trigger:
    return value if isinstance(value, CronTrigger | IntervalTrigger) else value.trigger()


def next_fire(value: Trigger | HasTrigger, after: datetime) -> datetime:
    """The first fire time strictly after ``after`` (UTC in, UTC out)."""
    for instant in _iterate(_trigger(value), require_utc(after)):
        return instant
    raise ValueError("the cron expression matches no time in the next 50 years")


def prev_fire(value: Trigger | HasTrigger, at: datetime) -> datetime | None:
    """The latest fire time at or before ``at``, or None when there is none."""
    trigger, at = _trigger(value), require_utc(at)
    if isinstance(trigger, IntervalTrigger):
        step = timedelta(seconds=trigger.seconds)
        return EPOCH + (at - EPOCH) // step * step
    tz = zone(trigger.timezone)
    # In the second reading of a repeated hour, later wall times fired (first reading) earlier.
    wall = _wall(at, tz)
    start = wall + _overlap(wall, tz) + _TICK
    # Wall times map to instants in order, so the first one at or before `at` is the latest.
    for wall in CronSim(trigger.expr, start, reverse=True):
        instant = local_instant(wall, tz)
        if instant <= at:
            return instant
    return None


def fires_between(
    value: Trigger | HasTrigger, after: datetime, until: datetime, limit: int = MAX_FIRES
) -> list[datetime]:
    """Fire times in (after, until], earliest first, at most ``limit`` of them."""
    until, fires = require_utc(until), list[datetime]()
    for instant in _iterate(_trigger(value), require_utc(after)):
        if instant > until or len(fires) >= limit:
            break
        fires.append(instant)
    return fires


def jitter(schedule: str, fire_time: datetime, jitter_seconds: float) -> timedelta:
    """A deterministic delay in [0, jitter_seconds) for publishing this fire (same on every replica)."""
    if jitter_seconds <= 0:
        return timedelta(0)
    digest = hashlib.sha256(f"{schedule}@{isoformat_z(fire_time)}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return timedelta(microseconds=int(fraction * jitter_seconds * 1_000_000))


def _iterate(trigger: Trigger, after: datetime) -> Iterator[datetime]:
    if isinstance(trigger, IntervalTrigger):
        step = timedelta(seconds=trigger.seconds)
        instant = EPOCH + (after - EPOCH) // step * step
        while True:
            instant += step
            yield instant
    tz = zone(trigger.timezone)
    last = after
    # cronsim walks naive wall-clock time (no DST quirks); _instant maps each wall time once.
    for wall in CronSim(trigger.expr, _wall(after, tz)):
        instant = local_instant(wall, tz)
        if instant > last:
            last = instant
            yield instant


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall-clock time of ``instant``."""
    return instant.astimezone(tz).replace(tzinfo=None)


def local_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time: its first occurrence, or the end of a DST gap."""
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # Nonexistent: find the transition, the first instant whose wall time is past `wall`.
    lo = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = min(lo, first), max(lo, first)
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def _overlap(wall: datetime, tz: ZoneInfo) -> timedelta:
    """How much later a wall time's first reading is still at or before its second one (DST)."""
    first = wall.replace(tzinfo=tz, fold=0).utcoffset() or timedelta(0)
    second = wall.replace(tzinfo=tz, fold=1).utcoffset() or timedelta(0)
    return max(first - second, timedelta(0))
