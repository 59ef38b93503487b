"""Fault state at run time: installed faults, their counters, and the plan for one request."""

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridstream.contracts import get_area
from gridstream.entsoe_sim.effects import NO_EFFECTS, DataEffects, Hole, Revision, Spike
from gridstream.entsoe_sim.fault_models import (
    FaultSpec,
    HangFault,
    HoleFault,
    Http429Fault,
    Http503Fault,
    RevisionFault,
    SlowFault,
    SpikeFault,
    TruncateFault,
)

_DOMAINS = ("in_domain", "out_domain", "outbiddingzone_domain")
StopFault = Http503Fault | Http429Fault | HangFault


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What fault filters look at: the raw documentType and every area the query names."""

    document_type: str | None
    areas: frozenset[str]

    @classmethod
    def of(cls, query: Mapping[str, str]) -> "RequestFacts":
        """Read the facts tolerantly (the query may still turn out invalid)."""
        lowered = {name.lower(): value for name, value in query.items()}
        areas: set[str] = set()
        for name in _DOMAINS:
            try:
                areas.add(get_area(lowered[name]).code)
            except (KeyError, ValueError):
                continue
        return cls(lowered.get("documenttype"), frozenset(areas))


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What the faults do to one request."""

    delay: float = 0.0
    stop: StopFault | None = None
    """Answer with this instead of data (503, 429, or hang)."""
    truncate: TruncateFault | None = None
    effects: DataEffects = NO_EFFECTS
    fired: tuple[str, ...] = ()
    """The kinds of every fault that fired, for the stats."""


@dataclass(slots=True)
class InstalledFault:
    """A fault with its id and counters."""

    id: int
    spec: FaultSpec
    matched: int = 0
    fired: int = 0

    def describe(self) -> dict[str, Any]:
        """JSON view for GET /admin/faults."""
        return {
            "id": self.id,
            "matched": self.matched,
            "fired": self.fired,
            **self.spec.model_dump(mode="json"),
        }


class FaultBook:
    """The installed faults, in order; probabilities are drawn from a seeded generator."""

    def __init__(self, faults: Iterable[FaultSpec] = (), *, seed: int = 0) -> None:
        self._faults: list[InstalledFault] = []
        self._next_id = 1
        self._random = random.Random(seed)
        self.add(faults)

    def add(self, specs: Iterable[FaultSpec]) -> list[int]:
        """Install faults after the existing ones; their ids."""
        ids = []
        for spec in specs:
            self._faults.append(InstalledFault(self._next_id, spec))
            ids.append(self._next_id)
            self._next_id += 1
        return ids

    def remove(self, fault_id: int) -> bool:
        """Uninstall one fault; False when no fault has that id."""
        before = len(self._faults)
        self._faults = [f for f in self._faults if f.id != fault_id]
        return len(self._faults) < before

    def clear(self) -> None:
        """Uninstall every fault."""
        self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        """JSON view of every installed fault."""
        return [fault.describe() for fault in self._faults]

    def plan(self, facts: RequestFacts, now: datetime) -> FaultPlan:
        """Count the request against every fault it matches and collect those that fire."""
        fired = [fault.spec for fault in self._faults if self._fires(fault, facts, now)]
        stop = next((s for s in fired if isinstance(s, StopFault)), None)
        kept = [s for s in fired if not isinstance(s, StopFault) or s is stop]
        return FaultPlan(
            delay=sum(s.delay_seconds for s in kept if isinstance(s, SlowFault)),
            stop=stop,
            truncate=next((s for s in kept if isinstance(s, TruncateFault)), None),
            effects=_effects(kept),
            fired=tuple(s.kind for s in kept),
        )

    def _fires(self, fault: InstalledFault, facts: RequestFacts, now: datetime) -> bool:
        spec = fault.spec
        if spec.document_type is not None and spec.document_type != facts.document_type:
            return False
        if spec.area is not None and spec.area not in facts.areas:
            return False
        fault.matched += 1
        if not _triggered(spec, fault.matched, now):
            return False
        if spec.probability < 1.0 and self._random.random() >= spec.probability:
            return False
        fault.fired += 1
        return True


def _triggered(spec: FaultSpec, n: int, now: datetime) -> bool:
    if spec.next_n is not None and n > spec.next_n:
        return False
    if spec.requests is not None and not spec.requests[0] <= n <= spec.requests[1]:
        return False
    if spec.from_request is not None and n < spec.from_request:
        return False
    return spec.from_time is None or now >= spec.from_time


def _effects(specs: list[FaultSpec]) -> DataEffects:
    return DataEffects(
        holes=tuple(Hole(s.start, s.end, s.qualifier) for s in specs if isinstance(s, HoleFault)),
        spikes=tuple(
            Spike(frozenset(s.timestamps), s.factor, s.qualifier)
            for s in specs
            if isinstance(s, SpikeFault)
        ),
        revisions=tuple(
            Revision(s.start, s.end, s.qualifier, s.factor)
            for s in specs
            if isinstance(s, RevisionFault)
        ),
    )
