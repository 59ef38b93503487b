"""Which fires are due now: late fires within the misfire grace, missed ones, coalescing, overlap.

Given a schedule's stored ``next_fire`` and the clock, ``plan`` lists the due fire times
(every fire time from ``next_fire`` up to ``now``):

- a fire older than ``misfire_grace_seconds`` (now - fire time > grace) is recorded ``missed``;
- without ``coalesce`` every due fire within the grace fires (late), oldest first;
- with ``coalesce`` only the latest due fire fires, if it is within the grace; the others are
  recorded missed (coalesced into it);
- first start: a schedule that never fired (``last_fire`` is None) fires once at once, at its
  latest fire time at or before now (so replicas agree on its id), whatever the grace; nothing
  is recorded missed.

Work is bounded: at most ``limit`` fires and ``limit`` missed per plan. When more fires are due,
``next_fire`` stays at the first one not planned, so the next tick continues; missed fires past
the limit are not listed (``missed_truncated``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from gridstream.contracts import require_utc
from gridstream.scheduler.spec import Overlap, ScheduleSpec
from gridstream.scheduler.triggers import MAX_FIRES, fires_between, prev_fire
from gridstream.scheduler.triggers import next_fire as next_after

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Plan:
    """Fire times to fire now, those to record missed, and the schedule's new next fire time."""

    fire: list[datetime]
    missed: list[datetime]
    next_fire: datetime
    missed_truncated: bool = field(default=False)


def plan(
    spec: ScheduleSpec,
    last_fire: datetime | None,
    next_fire: datetime,
    now: datetime,
    limit: int = MAX_FIRES,
) -> Plan:
    """What to do at ``now`` for a schedule whose next fire is ``next_fire``."""
    now, next_fire = require_utc(now), require_utc(next_fire)
    if last_fire is None:
        first = prev_fire(spec, now)
        if first is not None:
            return Plan(fire=[first], missed=[], next_fire=next_after(spec, now))
    if next_fire > now:
        return Plan(fire=[], missed=[], next_fire=next_fire)
    cutoff = now - timedelta(seconds=spec.misfire_grace_seconds)
    if spec.coalesce:
        return _coalesced(spec, next_fire, now, cutoff, limit)
    missed = _due(spec, next_fire, min(now, cutoff - _TICK), limit + 1)
    if len(missed) > limit:
        return Plan(fire=[], missed=missed[:limit], next_fire=missed[limit])
    fire = _due(spec, max(next_fire, cutoff), now, limit + 1)
    if len(fire) > limit:
        return Plan(fire=fire[:limit], missed=missed, next_fire=fire[limit])
    return Plan(fire=fire, missed=missed, next_fire=next_after(spec, now))


def _coalesced(
    spec: ScheduleSpec, next_fire: datetime, now: datetime, cutoff: datetime, limit: int
) -> Plan:
    latest = prev_fire(spec, now)
    fire = [latest] if latest is not None and latest >= max(next_fire, cutoff) else []
    # Everything due before the fired one (or before now, when none fires) is missed.
    until = fire[0] - _TICK if fire else now
    missed = _due(spec, next_fire, until, limit + 1)
    return Plan(
        fire=fire,
        missed=missed[:limit],
        next_fire=next_after(spec, now),
        missed_truncated=len(missed) > limit,
    )


def _due(spec: ScheduleSpec, since: datetime, until: datetime, limit: int) -> list[datetime]:
    """Fire times in [since, until]; ``since`` is itself one when the schedule names it."""
    if until < since:
        return []
    return fires_between(spec, since - _TICK, until, limit)


def overlap(policy: Overlap, open_fire: bool, buffered: bool) -> Literal["fire", "skip", "buffer"]:
    """What to do with a due fire while the previous one has no outcome (``open_fire``)."""
    if not open_fire or policy == "allow":
        return "fire"
    if policy == "buffer_one" and not buffered:
        return "buffer"
    return "skip"
