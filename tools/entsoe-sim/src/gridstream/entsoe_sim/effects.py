"""Data faults as seen by the document builder: holes, spikes and revisions of series values."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Hole:
    """Slots in [start, end) are left out (of one qualifier's series, or of all)."""

    start: datetime
    end: datetime
    qualifier: str | None = None


@dataclass(frozen=True, slots=True)
class Spike:
    """Values at these slot starts are multiplied by `factor`."""

    timestamps: frozenset[datetime]
    factor: float
    qualifier: str | None = None


@dataclass(frozen=True, slots=True)
class Revision:
    """Values in [start, end) are republished: changed, with a higher revisionNumber."""

    start: datetime
    end: datetime
    qualifier: str | None = None
    factor: float | None = None
    """Multiply by this; None = a deterministic change of 1-6 % per revision."""


def _hits(wanted: str | None, qualifier: str) -> bool:
    return wanted is None or wanted == qualifier


@dataclass(frozen=True, slots=True)
class DataEffects:
    """Every data fault active for one request."""

    holes: tuple[Hole, ...] = ()
    spikes: tuple[Spike, ...] = ()
    revisions: tuple[Revision, ...] = field(default=())

    @property
    def empty(self) -> bool:
        """True when no data fault is active (the builder then skips every check)."""
        return not (self.holes or self.spikes or self.revisions)

    def dropped(self, qualifier: str, ts: datetime) -> bool:
        """True when a hole removes the slot starting at `ts`."""
        return any(_hits(h.qualifier, qualifier) and h.start <= ts < h.end for h in self.holes)

    def spike_factor(self, qualifier: str, ts: datetime) -> float:
        """The product of every spike at `ts` (1.0 when none)."""
        factor = 1.0
        for spike in self.spikes:
            if _hits(spike.qualifier, qualifier) and ts in spike.timestamps:
                factor *= spike.factor
        return factor

    def revisions_at(self, qualifier: str, ts: datetime) -> tuple[Revision, ...]:
        """The revisions covering the slot starting at `ts`."""
        return tuple(
            r for r in self.revisions if _hits(r.qualifier, qualifier) and r.start <= ts < r.end
        )


NO_EFFECTS = DataEffects()
