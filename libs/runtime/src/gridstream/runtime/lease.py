"""Named leases in PostgreSQL, timed by the database clock: one holder at a time per name.

The table ``leases`` lives in each service schema (runtime migration ``gridstream_runtime_0004``)
and is reached through the engine's search_path. A lease is taken when it is free or expired,
renewed only by its owner, and released by setting it expired. Work that must only happen under
the lease calls ``acquire_or_renew`` (or ``holds``) in the SAME transaction as its writes: the
row lock taken by the update keeps a rival from taking the lease until that transaction ends, so
a write can never commit after another replica took over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_ACQUIRE = text(
    "INSERT INTO leases AS l (name, owner, lease_until, acquired_at) "
    "VALUES (:name, :owner, clock_timestamp() + make_interval(secs => :seconds), "
    "clock_timestamp()) "
    "ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, "
    "lease_until = EXCLUDED.lease_until, "
    "acquired_at = CASE WHEN l.owner = EXCLUDED.owner AND l.lease_until >= clock_timestamp() "
    "THEN l.acquired_at ELSE EXCLUDED.acquired_at END "
    "WHERE l.owner = EXCLUDED.owner OR l.lease_until < clock_timestamp() OR l.owner IS NULL "
    "RETURNING l.name"
)
_HOLDS = text(
    "SELECT 1 FROM leases WHERE name = :name AND owner = :owner "
    "AND lease_until >= clock_timestamp() FOR UPDATE"
)
_RELEASE = text(
    "UPDATE leases SET owner = NULL, lease_until = 'epoch' WHERE name = :name AND owner = :owner"
)
_HOLDER = text(
    "SELECT owner, lease_until, acquired_at FROM leases "
    "WHERE name = :name AND owner IS NOT NULL AND lease_until >= clock_timestamp()"
)


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """Who holds a lease now, until when, and since when (database clock)."""

    owner: str
    lease_until: datetime
    acquired_at: datetime | None


async def acquire_or_renew(session: AsyncSession, name: str, owner: str, seconds: float) -> bool:
    """Take lease ``name`` for ``seconds`` when free or expired, or renew it; False if held by another."""
    if seconds <= 0:
        raise ValueError(f"a lease must last a positive number of seconds, not {seconds}")
    params = {"name": name, "owner": owner, "seconds": seconds}
    return (await session.execute(_ACQUIRE, params)).first() is not None


async def holds(session: AsyncSession, name: str, owner: str) -> bool:
    """True when ``owner`` holds a live lease ``name``; locks the row until the transaction ends."""
    return (await session.execute(_HOLDS, {"name": name, "owner": owner})).first() is not None


async def release(session: AsyncSession, name: str, owner: str) -> None:
    """Give lease ``name`` up (if ``owner`` holds it), so another need not wait for it to expire."""
    await session.execute(_RELEASE, {"name": name, "owner": owner})


async def holder(session: AsyncSession, name: str) -> LeaseHolder | None:
    """The live holder of lease ``name``, or None when it is free or expired."""
    row = (await session.execute(_HOLDER, {"name": name})).first()
    return None if row is None else LeaseHolder(row.owner, row.lease_until, row.acquired_at)
