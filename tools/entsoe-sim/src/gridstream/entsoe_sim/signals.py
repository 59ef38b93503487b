"""Signal models: load, sunshine, wind and flows as pure functions of seed, area and time."""

import functools
import math
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from gridstream.entsoe_sim.noise import bump, fractal, key_of, logistic, smooth
from gridstream.entsoe_sim.profiles import AreaProfile
from gridstream.entsoe_sim.topology import border_bias, border_capacity

DAY = 86400.0
_WEEKDAY = (0.95, 1.0, 1.0, 1.0, 0.95, 0.45, 0.0)
"""How much of the working-day load a weekday keeps (Monday first)."""


class Moment(NamedTuple):
    """One UTC instant with the local-time features the models use (a tuple: built per slot, fast)."""

    epoch: float
    hour: float
    """Local hour of the day, fraction included."""
    weekday: int
    doy: int
    ordinal: int
    """Local calendar date as a proleptic ordinal (one number per local day)."""
    month: int
    year: int
    utc_hour: float


def moment(ts: datetime, tz: str) -> Moment:
    """The features of `ts` (aware) in the area's time zone."""
    local = ts.astimezone(ZoneInfo(tz))
    epoch = ts.timestamp()
    ordinal = local.toordinal()
    return Moment(
        epoch=epoch,
        hour=local.hour + local.minute / 60.0,
        weekday=(ordinal - 1) % 7,
        doy=ordinal - _new_year_ordinal(local.year) + 1,
        ordinal=ordinal,
        month=local.month,
        year=local.year,
        utc_hour=(epoch % DAY) / 3600.0,
    )


@functools.lru_cache(maxsize=256)
def _new_year_ordinal(year: int) -> int:
    return date(year, 1, 1).toordinal()


def winter(doy: int) -> float:
    """1 in mid-January, 0 in mid-July."""
    return 0.5 + 0.5 * math.cos(2.0 * math.pi * (doy - 15) / 365.25)


def _raw_daily_load(hour: float) -> float:
    return (
        0.8 * bump(hour, 12.5, 4.5)
        + 0.5 * bump(hour, 19.0, 2.0)
        + 0.25 * bump(hour, 8.0, 1.5)
        + 0.3 * bump(hour, 24.0, 1.5)
    )


_DAILY_GRID = tuple(_raw_daily_load(q / 4.0) for q in range(96))
_DAILY_MIN, _DAILY_MAX = min(_DAILY_GRID), max(_DAILY_GRID)


def daily_load_shape(hour: float) -> float:
    """The working-day load curve in [0, 1]: night trough, morning ramp, midday plateau, evening peak."""
    return (_raw_daily_load(hour) - _DAILY_MIN) / (_DAILY_MAX - _DAILY_MIN)


def load_mw(seed: int, code: str, profile: AreaProfile, m: Moment) -> float:
    """Total load: season, weekday and time-of-day shape inside the area's range, plus slow noise."""
    season_w = profile.season_weight
    rest = 1.0 - season_w
    x = (
        season_w * winter(m.doy)
        + 0.6 * rest * daily_load_shape(m.hour) * (0.55 + 0.45 * _WEEKDAY[m.weekday])
        + 0.4 * rest * _WEEKDAY[m.weekday]
    )
    noise = 0.02 * fractal(key_of(seed, code, "load"), m.epoch, 2 * DAY)
    return (profile.trough_mw + (profile.peak_mw - profile.trough_mw) * x) * (1.0 + noise)


def clear_sky(profile: AreaProfile, m: Moment) -> float:
    """Clear-sky output of 1 MW of panels at the area's location, by sun elevation (0 at night)."""
    declination = math.radians(23.44) * math.sin(2.0 * math.pi * (284 + m.doy) / 365.0)
    hour_angle = math.radians(15.0 * (m.utc_hour + profile.lon / 15.0 - 12.0))
    lat = math.radians(profile.lat)
    sin_elevation = math.sin(lat) * math.sin(declination) + math.cos(lat) * math.cos(
        declination
    ) * math.cos(hour_angle)
    if sin_elevation <= 0.0:
        return 0.0
    return 0.82 * math.pow(sin_elevation, 1.3)


def solar_factor(seed: int, code: str, profile: AreaProfile, m: Moment) -> float:
    """Solar capacity factor: the clear-sky bell dimmed by drifting clouds."""
    sky = clear_sky(profile, m)
    if sky == 0.0:
        return 0.0
    clouds = 0.5 + 0.5 * fractal(key_of(seed, code, "cloud"), m.epoch, DAY, 3)
    return sky * (0.3 + 0.7 * clouds)


def wind_factor(seed: int, code: str, m: Moment, *, offshore: bool) -> float:
    """Wind capacity factor: a bounded, slowly wandering signal, windier in winter and offshore."""
    weather = fractal(key_of(seed, code, "wind"), m.epoch, 4 * DAY, 4)
    gusts = fractal(key_of(seed, code, "wind", offshore), m.epoch, DAY / 2, 2)
    z = 2.2 * weather + 0.5 * gusts + 0.9 * winter(m.doy) - 0.9 + (0.7 if offshore else 0.0)
    return 0.02 + 0.9 * logistic(1.8 * z)


def flow_mw(seed: int, out_code: str, in_code: str, m: Moment) -> float:
    """Physical flow out -> in; zero while the border flows the other way."""
    first, second = sorted((out_code, in_code))
    capacity = border_capacity(seed, first, second)
    swing = fractal(key_of(seed, "flow", first, second), m.epoch, 1.5 * DAY, 3)
    net = capacity * max(-1.0, min(1.0, border_bias(seed, first, second) + 0.8 * swing))
    directed = net if out_code == first else -net
    return max(0.0, directed)


def held(m: Moment, seconds: float) -> float:
    """The start of the `seconds`-long block holding `m` (for values that move in steps)."""
    return math.floor(m.epoch / seconds) * seconds


def slow(seed: int, code: str, label: str, t: float, period: float = 5 * DAY) -> float:
    """Slow value noise in [-1, 1] for one labelled quantity of an area."""
    return smooth(key_of(seed, code, label), t, period)
