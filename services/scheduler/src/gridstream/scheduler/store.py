"""Repository of schedules: create, replace, delete, pause, list with the last outcome, lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from gridstream.scheduler.spec import ScheduleSpec
from gridstream.scheduler.tables import fires, schedules

Source = Literal["config", "api", "default"]


@dataclass(frozen=True, slots=True)
class Schedule:
    """A stored schedule: its spec and where its firing stands."""

    spec: ScheduleSpec
    source: str
    paused: bool
    next_fire: datetime | None
    last_fire: datetime | None

    @property
    def name(self) -> str:
        """The schedule's name."""
        return self.spec.name

    @property
    def active(self) -> bool:
        """True when it fires on its own (enabled and not paused)."""
        return self.spec.enabled and not self.paused


def schedule_of(row: Row[Any]) -> Schedule:
    """A schedule from its row."""
    spec = ScheduleSpec.model_validate(row.spec)
    return Schedule(spec, row.source, row.paused, row.next_fire, row.last_fire)


def _spec_json(spec: ScheduleSpec) -> dict[str, Any]:
    # Only what was set: an `every` schedule must not come back with a timezone it never had.
    return spec.model_dump(mode="json", exclude_unset=True)


async def create(
    session: AsyncSession, spec: ScheduleSpec, source: Source, next_fire: datetime
) -> bool:
    """Insert a new schedule; False when the name is taken."""
    statement = (
        pg_insert(schedules)
        .values(
            name=spec.name, spec=_spec_json(spec), source=source, paused=False, next_fire=next_fire
        )
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(schedules.c.name)
    )
    return (await session.execute(statement)).first() is not None


async def apply(
    session: AsyncSession, spec: ScheduleSpec, source: Source, first: datetime, changed: datetime
) -> None:
    """Make ``spec`` the stored state of its name (config and defaults at start).

    A new schedule starts at ``first``; a changed one continues at ``changed``; an unchanged one
    keeps its next fire, so restarts neither skip nor repeat fires.
    """
    body = _spec_json(spec)
    insert = pg_insert(schedules).values(
        name=spec.name, spec=body, source=source, paused=False, next_fire=first
    )
    same = schedules.c.spec == insert.excluded.spec
    statement = insert.on_conflict_do_update(
        index_elements=["name"],
        set_={
            "spec": insert.excluded.spec,
            "source": insert.excluded.source,
            "next_fire": func.coalesce(
                _case(same, schedules.c.next_fire, changed), insert.excluded.next_fire
            ),
            "updated_at": func.now(),
        },
    )
    await session.execute(statement)


def _case(condition: Any, when_true: Any, otherwise: datetime) -> Any:
    return case((condition, when_true), else_=literal(otherwise, schedules.c.next_fire.type))


async def replace(session: AsyncSession, spec: ScheduleSpec, next_fire: datetime) -> bool:
    """Replace a schedule's spec (PUT); it continues at ``next_fire``. False when unknown."""
    statement = (
        update(schedules)
        .where(schedules.c.name == spec.name)
        .values(spec=_spec_json(spec), next_fire=next_fire, updated_at=func.now())
        .returning(schedules.c.name)
    )
    return (await session.execute(statement)).first() is not None


async def remove(session: AsyncSession, name: str) -> bool:
    """Delete a schedule (its fire history stays until retention); False when unknown."""
    statement = delete(schedules).where(schedules.c.name == name).returning(schedules.c.name)
    return (await session.execute(statement)).first() is not None


async def prune(session: AsyncSession, source: Source, keep: set[str]) -> list[str]:
    """Delete schedules of ``source`` not named in ``keep`` (defaults no longer configured)."""
    statement = (
        delete(schedules)
        .where(schedules.c.source == source, schedules.c.name.not_in(keep or {""}))
        .returning(schedules.c.name)
    )
    return [row.name for row in await session.execute(statement)]


async def set_paused(
    session: AsyncSession, name: str, paused: bool, next_fire: datetime | None = None
) -> bool:
    """Pause or resume; a resumed schedule continues at ``next_fire``. False when unknown."""
    values: dict[str, Any] = {"paused": paused, "updated_at": func.now()}
    if next_fire is not None:
        values["next_fire"] = next_fire
    statement = (
        update(schedules)
        .where(schedules.c.name == name)
        .values(**values)
        .returning(schedules.c.name)
    )
    return (await session.execute(statement)).first() is not None


async def get(session: AsyncSession, name: str, *, lock: bool = False) -> Schedule | None:
    """One schedule; ``lock`` holds its row until the transaction ends."""
    statement = select(schedules).where(schedules.c.name == name)
    row = (await session.execute(statement.with_for_update() if lock else statement)).first()
    return None if row is None else schedule_of(row)


async def all_schedules(session: AsyncSession) -> list[Schedule]:
    """Every schedule, by name."""
    rows = await session.execute(select(schedules).order_by(schedules.c.name))
    return [schedule_of(row) for row in rows]


async def last_outcomes(session: AsyncSession) -> dict[str, dict[str, Any]]:
    """The latest finished fire of each schedule (status, times, points, error), by schedule."""
    finished = fires.c.status.not_in(("published", "buffered"))
    latest = (
        select(fires)
        .where(finished)
        .ext(distinct_on(fires.c.schedule))
        .order_by(fires.c.schedule, fires.c.fire_time.desc())
    )
    rows = await session.execute(latest)
    return {row.schedule: fire_json(row) for row in rows}


def fire_json(row: Row[Any]) -> dict[str, Any]:
    """A fire row as the API shows it."""
    found = dict(row._mapping)
    for key in ("fire_time", "recorded_at", "published_at", "finished_at", "created_at"):
        value = found.get(key)
        found[key] = None if value is None else value.isoformat().replace("+00:00", "Z")
    if found.get("command_id") is not None:
        found["command_id"] = str(found["command_id"])
    return found
