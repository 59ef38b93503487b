"""Day-ahead price model: a daily curve with a solar dip, weekend discount and rare negative middays."""

from datetime import UTC, datetime

from gridstream.entsoe_sim.noise import bump, fractal, key_of, unit
from gridstream.entsoe_sim.profiles import AreaProfile
from gridstream.entsoe_sim.signals import DAY, Moment, clear_sky, winter

SDAC_15MIN_GO_LIVE = datetime(2025, 9, 30, 22, tzinfo=UTC)
"""First delivery day with 15-minute SDAC prices (2025-10-01 in CET)."""
_WEEKEND = (1.0, 1.0, 1.0, 1.0, 0.97, 0.85, 0.75)


def _shape(hour: float) -> float:
    return 0.55 * bump(hour, 8.0, 1.8) + 0.9 * bump(hour, 19.0, 2.0) - 0.45 * bump(hour, 3.5, 2.5)


def price(
    seed: int, code: str, profile: AreaProfile, m: Moment, *, sequence: int, quarter: bool
) -> float:
    """EUR/MWh for the MTU at `m`; `quarter` adds quarter-hour texture, sequence 2 is EXAA."""
    base = profile.price_base
    value = base * (0.75 + 0.35 * _shape(m.hour) + 0.2 * winter(m.doy))
    sunny = 0.5 + 0.5 * fractal(key_of(seed, code, "price-sun"), m.epoch, DAY, 2)
    value -= base * 0.6 * sunny * clear_sky(profile, m)
    value *= _WEEKEND[m.weekday]
    value += 0.12 * base * fractal(key_of(seed, code, "price"), m.epoch, DAY, 3)
    value -= _negative_dip(seed, code, profile, m)
    if quarter:
        value += 0.04 * base * (unit(key_of(seed, code, "price-q"), int(m.epoch // 900)) - 0.5)
    if sequence != 1:
        value += (
            0.05 * base * fractal(key_of(seed, code, "price-seq", sequence), m.epoch, DAY / 2, 2)
        )
    return value


def _negative_dip(seed: int, code: str, profile: AreaProfile, m: Moment) -> float:
    """On a few sunny days (more often at weekends) midday prices sink below zero."""
    rate = profile.negative_price_rate
    if not 4 <= m.month <= 9:
        rate *= 0.15
    if m.weekday >= 5:
        rate *= 2.0
    draw = key_of(seed, code, "negative-day")
    if unit(draw, m.ordinal) >= rate:
        return 0.0
    depth = profile.price_base * (1.1 + 0.6 * unit(draw ^ 1, m.ordinal))
    return depth * bump(m.hour, 13.5, 2.3)


def is_quarter_hourly(day_start: datetime, sequence: int) -> bool:
    """Whether a delivery day's prices come in 15-minute MTUs (EXAA always, SDAC after go-live)."""
    return sequence != 1 or day_start >= SDAC_15MIN_GO_LIVE
