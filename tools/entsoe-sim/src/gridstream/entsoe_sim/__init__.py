"""gridstream.entsoe_sim: a local ENTSO-E Transparency Platform API with deterministic data and faults."""

from gridstream.entsoe_sim.app import build_app
from gridstream.entsoe_sim.clock import Clock, ManualClock, SystemClock
from gridstream.entsoe_sim.config import SimConfig
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
from gridstream.entsoe_sim.stats import token_label
from gridstream.entsoe_sim.values import value_at, values_at

__all__ = [
    "Clock",
    "FaultSpec",
    "HangFault",
    "HoleFault",
    "Http429Fault",
    "Http503Fault",
    "ManualClock",
    "RevisionFault",
    "SimConfig",
    "SlowFault",
    "SpikeFault",
    "SystemClock",
    "TruncateFault",
    "build_app",
    "token_label",
    "value_at",
    "values_at",
]
