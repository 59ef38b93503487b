"""The simulator's run-time state, built once by build_app and shared by its handlers."""

from collections.abc import Callable
from dataclasses import dataclass

from gridstream.entsoe_sim.clock import Clock
from gridstream.entsoe_sim.config import SimConfig
from gridstream.entsoe_sim.faults import FaultBook
from gridstream.entsoe_sim.ratelimit import SlidingWindowLimiter
from gridstream.entsoe_sim.stats import RequestStats


@dataclass(frozen=True, slots=True)
class SimState:
    """Config, clocks and the mutable parts (faults, rate limiter, stats) of one app."""

    config: SimConfig
    clock: Clock
    monotonic: Callable[[], float]
    faults: FaultBook
    limiter: SlidingWindowLimiter
    stats: RequestStats

    @classmethod
    def create(cls, config: SimConfig, clock: Clock, monotonic: Callable[[], float]) -> "SimState":
        """Fresh state for a newly started simulator."""
        return cls(
            config=config,
            clock=clock,
            monotonic=monotonic,
            faults=FaultBook(config.faults, seed=config.seed),
            limiter=SlidingWindowLimiter(
                config.rate_limit_per_minute,
                config.rate_limit_window_seconds,
                config.rate_limit_ban_seconds,
                monotonic,
            ),
            stats=RequestStats(),
        )
