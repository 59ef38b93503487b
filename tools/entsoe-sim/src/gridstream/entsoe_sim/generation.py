"""Generation model: installed capacity by year and the per-type output mix at one instant."""

import math

from gridstream.entsoe_sim.noise import bump, key_of, smooth
from gridstream.entsoe_sim.profiles import AreaProfile
from gridstream.entsoe_sim.signals import (
    DAY,
    Moment,
    held,
    load_mw,
    slow,
    solar_factor,
    wind_factor,
    winter,
)

CONSUMPTION = ":consumption"
_BASE_YEAR = 2024
_GROWTH = {"B16": 1.14, "B18": 1.1, "B19": 1.05, "B02": 0.95, "B05": 0.92}
# Steady producers: (share of capacity, seconds each value is held, relative wobble).
_STEADY: dict[str, tuple[float, float, float]] = {
    "B01": (0.62, 3600.0, 0.06),
    "B03": (0.3, 7200.0, 0.2),
    "B06": (0.04, DAY, 0.3),
    "B07": (0.3, DAY, 0.1),
    "B08": (0.3, DAY, 0.1),
    "B09": (0.8, DAY, 0.05),
    "B13": (0.3, 3600.0, 0.3),
    "B15": (0.4, 3600.0, 0.15),
    "B17": (0.7, 14400.0, 0.08),
    "B20": (0.35, 3600.0, 0.2),
}
_DISPATCHABLE = ("B02", "B05", "B04")
_VARIABLE = ("B16", "B18", "B19")
_EXPORT_CEILING = 1.4
"""Output above 1.4 times the load would not find buyers across the borders: renewables curtail."""


def capacity(profile: AreaProfile, psr: str, year: int) -> float:
    """Installed MW of one production type in a year (solar and wind grow, coal shrinks)."""
    retired = profile.retired.get(psr)
    if retired is not None and year >= retired:
        return 0.0
    base = profile.capacity.get(psr, 0.0)
    return base * _GROWTH.get(psr, 1.0) ** (year - _BASE_YEAR)


def generation_mix(seed: int, code: str, profile: AreaProfile, m: Moment) -> dict[str, float]:
    """MW per production type at `m`; pumping appears as 'B10:consumption'."""
    caps = {psr: capacity(profile, psr, m.year) for psr in profile.capacity}
    mix = _inflexible(seed, code, profile, caps, m)
    load = load_mw(seed, code, profile, m)
    pumped = _pumped_net(seed, code, caps.get("B10", 0.0), m, mix["B16"] / (0.25 * profile.peak_mw))
    pumping = max(0.0, -pumped)
    mix["B10"] = max(0.0, pumped)
    demand = load * (1.0 + 0.08 * slow(seed, code, "trade", m.epoch, 3 * DAY)) + pumping
    mix.update(_dispatch(caps, max(0.0, demand - sum(mix.values())), profile.peak_mw, m))
    _curtail(mix, ceiling=_EXPORT_CEILING * load + pumping)
    if profile.pumping:
        mix["B10" + CONSUMPTION] = pumping
    return {psr: value for psr, value in mix.items() if caps.get(psr.removesuffix(CONSUMPTION))}


def _inflexible(
    seed: int, code: str, profile: AreaProfile, caps: dict[str, float], m: Moment
) -> dict[str, float]:
    """Weather-driven and steady producers, which run whatever the load."""
    mix = {
        "B16": caps.get("B16", 0.0) * solar_factor(seed, code, profile, m),
        "B18": caps.get("B18", 0.0) * wind_factor(seed, code, m, offshore=True),
        "B19": caps.get("B19", 0.0) * wind_factor(seed, code, m, offshore=False),
    }
    for psr, (level, hold, wobble) in _STEADY.items():
        wander = 1.0 + wobble * slow(seed, code, psr, held(m, hold))
        mix[psr] = caps.get(psr, 0.0) * level * wander
    mix["B14"] = round(caps.get("B14", 0.0) * _nuclear_availability(seed, code, m), -1)
    spring = math.exp(-(((m.doy - 150) / 45.0) ** 2))
    river = 0.35 + 0.25 * spring + 0.1 * slow(seed, code, "B11", held(m, 3600.0))
    mix["B11"] = caps.get("B11", 0.0) * river
    return mix


def _curtail(mix: dict[str, float], ceiling: float) -> None:
    """Cut wind and solar (never below 30 %) where output would exceed what the grid can export."""
    excess = sum(mix.values()) - ceiling
    variable = sum(mix[psr] for psr in _VARIABLE)
    if excess <= 0.0 or variable <= 0.0:
        return
    keep = max(0.3, 1.0 - excess / variable)
    for psr in _VARIABLE:
        mix[psr] *= keep


def _nuclear_availability(seed: int, code: str, m: Moment) -> float:
    """Fleet availability, lower in summer (outages, cooling limits); moves in 6-hour steps."""
    block = held(m, 6 * 3600.0)
    return 0.5 + 0.22 * winter(m.doy) + 0.1 * smooth(key_of(seed, code, "B14"), block, 12 * DAY)


def _pumped_net(seed: int, code: str, cap: float, m: Moment, solar_share: float) -> float:
    """Pumped storage: turbines at the morning and evening peaks, pumps at night and at sunny noons."""
    h = m.hour
    net = (
        0.55 * bump(h, 20.0, 2.0)
        + 0.35 * bump(h, 7.5, 1.5)
        - 0.6 * bump(h, 13.0, 2.5) * min(1.0, solar_share)
        - 0.45 * bump(h, 2.5, 2.5)
    )
    return cap * net * (0.8 + 0.2 * slow(seed, code, "B10", m.epoch, DAY))


def _dispatch(caps: dict[str, float], residual: float, peak: float, m: Moment) -> dict[str, float]:
    """Reservoir hydro and fossil plants share what the rest leaves; lignite barely moves, gas most."""
    out: dict[str, float] = {}
    share = min(1.0, residual / peak) if peak else 0.0
    reservoir = caps.get("B12", 0.0) * (0.05 + 0.55 * share * (0.7 + 0.3 * bump(m.hour, 19.0, 3.0)))
    out["B12"] = reservoir
    fossil = sum(caps.get(psr, 0.0) for psr in _DISPATCHABLE)
    need = min(1.0, max(0.0, residual - reservoir) / fossil) if fossil else 0.0
    out["B02"] = caps.get("B02", 0.0) * (0.3 + 0.6 * math.sqrt(need))
    out["B05"] = caps.get("B05", 0.0) * (0.1 + 0.75 * need)
    out["B04"] = caps.get("B04", 0.0) * (0.08 + 0.85 * need**1.5)
    return out
