"""One firing round, planned: which fires every schedule records and publishes now (pure).

Per schedule, in name order: a buffered fire whose predecessor finished is published first (its
schedule is open again), then the due fires are planned (missed, coalesced) and each one fires,
is buffered or is skipped by the overlap policy. A jittered fire is due when its jitter elapsed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gridstream.contracts import Message
from gridstream.scheduler.catchup import overlap, plan
from gridstream.scheduler.commands import build_command, fired_event
from gridstream.scheduler.spec import ScheduleSpec
from gridstream.scheduler.store import Schedule
from gridstream.scheduler.triggers import jitter

IDLE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Current:
    """A schedule as the round found it: is a fire of it waiting for an outcome, is one buffered."""

    schedule: Schedule
    waiting: bool
    buffered: datetime | None


@dataclass(frozen=True, slots=True)
class Publication:
    """A fire that publishes: its command and its ScheduleFired (or why it cannot)."""

    schedule: str
    fire_time: datetime
    command: Message | None
    fired: Message | None
    error: str | None = None


@dataclass(slots=True)
class Batch:
    """What a round writes: fire rows, buffered fires to publish, schedules to move on."""

    soonest: datetime
    rows: list[dict[str, Any]] = field(default_factory=list)
    publishing: dict[tuple[str, datetime], Publication] = field(default_factory=dict)
    unbuffered: list[Publication] = field(default_factory=list)
    advances: list[tuple[str, datetime, datetime | None]] = field(default_factory=list)
    failures: list[Publication] = field(default_factory=list)


def plan_round(currents: Sequence[Current], now: datetime, untracked: Collection[str]) -> Batch:
    """Everything due at ``now``, and when the next fire after it is due."""
    batch = Batch(soonest=now + IDLE)
    for current in currents:
        schedule, spec = current.schedule, current.schedule.spec
        is_open = current.waiting
        if current.buffered is not None and not is_open:
            publication = _publication(spec, current.buffered, now)
            batch.unbuffered.append(publication)
            if publication.command is None:
                batch.failures.append(publication)
            is_open = spec.command_type not in untracked
        if not schedule.active or schedule.next_fire is None:
            continue
        due = due_at(spec.name, schedule.next_fire, spec.jitter_seconds)
        if due <= now:
            next_fire = _plan_one(batch, current, is_open, now, untracked)
            due = due_at(spec.name, next_fire, spec.jitter_seconds)
        batch.soonest = min(batch.soonest, due)
    return batch


def _plan_one(
    batch: Batch, current: Current, is_open: bool, now: datetime, untracked: Collection[str]
) -> datetime:
    schedule, spec = current.schedule, current.schedule.spec
    due = plan(spec, schedule.last_fire, schedule.next_fire or now, now)
    for fire_time in due.missed:
        batch.rows.append(fire_row(spec.name, fire_time, "missed", now))
    buffered = current.buffered is not None and current.waiting
    for fire_time in due.fire:
        decision = overlap(spec.overlap, is_open, buffered)
        if decision == "fire":
            batch.rows.append(_fire(batch, spec, fire_time, now))
            is_open = is_open or spec.command_type not in untracked
        else:
            status = "buffered" if decision == "buffer" else "skipped"
            batch.rows.append(fire_row(spec.name, fire_time, status, now))
            buffered = buffered or decision == "buffer"
    recorded = [*due.fire, *due.missed]
    batch.advances.append((spec.name, due.next_fire, max(recorded, default=None)))
    return due.next_fire


def _fire(batch: Batch, spec: ScheduleSpec, fire_time: datetime, now: datetime) -> dict[str, Any]:
    publication = _publication(spec, fire_time, now)
    if publication.command is None:
        batch.failures.append(publication)
        return fire_row(spec.name, fire_time, "failed", now, error=publication.error)
    batch.publishing[(spec.name, fire_time)] = publication
    return fire_row(spec.name, fire_time, "published", now, command=publication.command)


def _publication(spec: ScheduleSpec, fire_time: datetime, now: datetime) -> Publication:
    try:
        command = build_command(spec, fire_time, now)
    except (ValueError, KeyError) as exc:
        return Publication(spec.name, fire_time, None, None, f"invalid command: {exc}")
    return Publication(spec.name, fire_time, command, fired_event(spec, fire_time, command, now))


def fire_row(
    schedule: str,
    fire_time: datetime,
    status: str,
    now: datetime,
    *,
    command: Message | None = None,
    manual: bool = False,
    error: str | None = None,
) -> dict[str, Any]:
    """The ``fires`` row of one fire (every column the firing writes, so rows insert together)."""
    return {
        "schedule": schedule,
        "fire_time": fire_time,
        "status": status,
        "recorded_at": now,
        "manual": manual,
        **command_values(command),
        "published_at": now if command is not None and status == "published" else None,
        "finished_at": now if error is not None else None,
        "error": None if error is None else error[:1000],
    }


def command_values(command: Message | None) -> dict[str, Any]:
    """The columns that name a fire's command."""
    if command is None:
        return {"command_id": None, "command_subject": None, "command_type": None}
    return {
        "command_id": command.event_id,
        "command_subject": command.subject(),
        "command_type": type(command).__name__,
    }


def due_at(name: str, fire_time: datetime, jitter_seconds: float) -> datetime:
    """When a fire is published: its fire time plus the schedule's deterministic jitter."""
    return fire_time + jitter(name, fire_time, jitter_seconds) if jitter_seconds else fire_time
