"""Values of every simulated series: a pure function of (seed, area, data type, qualifier, time, revision)."""

from collections.abc import Callable
from datetime import datetime, timedelta

from gridstream.contracts import Area, DataType, get_area
from gridstream.contracts.series import FLOW_PREFIX
from gridstream.entsoe_sim.generation import CONSUMPTION, capacity, generation_mix
from gridstream.entsoe_sim.noise import fractal, key_of, unit
from gridstream.entsoe_sim.prices import SDAC_15MIN_GO_LIVE, price
from gridstream.entsoe_sim.profiles import AreaProfile, profile_for
from gridstream.entsoe_sim.signals import DAY, flow_mw, load_mw, moment
from gridstream.entsoe_sim.topology import neighbours_of

INSTALLED_PSR_TYPES: tuple[str, ...] = tuple(f"B{n:02d}" for n in range(1, 21))
"""Installed capacity is published for every production type B01-B20, zeros included."""
_HOUR = timedelta(hours=1)
# Min/max load forecasts: (span of one slot, sampling step, forecast error).
_MIN_MAX: dict[DataType, tuple[timedelta, timedelta, float]] = {
    DataType.LOAD_FORECAST_WEEK_AHEAD: (timedelta(days=1), _HOUR, 0.03),
    DataType.LOAD_FORECAST_MONTH_AHEAD: (timedelta(days=7), 3 * _HOUR, 0.05),
    DataType.LOAD_FORECAST_YEAR_AHEAD: (timedelta(days=7), 6 * _HOUR, 0.07),
}

Values = dict[str, float]


def value_at(
    seed: int,
    area: Area | str,
    data_type: DataType,
    qualifier: str,
    ts: datetime,
    *,
    revision: int = 1,
) -> float | None:
    """One series' value at the slot starting at `ts` (UTC); None where the series has no value."""
    area = area if isinstance(area, Area) else get_area(area)
    base = values_at(seed, area, data_type, ts).get(qualifier)
    if base is None:
        return None
    return revised(
        base,
        seed=seed,
        area=area,
        data_type=data_type,
        qualifier=qualifier,
        ts=ts,
        revision=revision,
    )


def values_at(seed: int, area: Area | str, data_type: DataType, ts: datetime) -> Values:
    """Revision-1 values of all series of one area and type at the slot starting at `ts`, rounded."""
    area = area if isinstance(area, Area) else get_area(area)
    profile = profile_for(area, seed)
    raw = _MODELS[data_type](seed, area, profile, ts)
    digits = 0 if data_type is DataType.INSTALLED_CAPACITY else 2
    return {qualifier: _round(value, digits) for qualifier, value in raw.items()}


def revised(
    value: float,
    *,
    seed: int,
    area: Area,
    data_type: DataType,
    qualifier: str,
    ts: datetime,
    revision: int,
) -> float:
    """The value as revision `revision` publishes it: each revision moves it by 1-6 %, up or down."""
    if revision <= 1:
        return value
    draw = unit(
        key_of(seed, area.code, data_type, qualifier, "revision", revision), int(ts.timestamp())
    )
    sign = 1.0 if revision % 2 == 0 else -1.0
    return _round(value * (1.0 + sign * (0.01 + 0.05 * draw)), 2)


def _round(value: float, digits: int) -> float:
    rounded = round(value, digits)
    return 0.0 if rounded == 0 else rounded


def _load(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
    return {"": load_mw(seed, area.code, profile, moment(ts, area.tz))}


def _load_day_ahead(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
    m = moment(ts, area.tz)
    error = 0.025 * fractal(key_of(seed, area.code, "load-da"), m.epoch, DAY / 4, 2)
    return {"": load_mw(seed, area.code, profile, m) * (1.0 + error)}


def _min_max(data_type: DataType) -> Callable[[int, Area, AreaProfile, datetime], Values]:
    span, step, error = _MIN_MAX[data_type]

    def model(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
        samples = [
            load_mw(seed, area.code, profile, moment(ts + k * step, area.tz))
            for k in range(int(span / step))
        ]
        stream = key_of(seed, area.code, data_type, "error")
        low = 1.0 + error * (2.0 * unit(stream, int(ts.timestamp())) - 1.0)
        high = 1.0 + error * (2.0 * unit(stream ^ 1, int(ts.timestamp())) - 1.0)
        return {"min": min(samples) * low, "max": max(samples) * high}

    return model


def _margin(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
    year = moment(ts, area.tz).year
    return {"": profile.peak_mw * (0.04 + 0.08 * unit(key_of(seed, area.code, "margin"), year))}


def _prices(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
    m = moment(ts, area.tz)
    out: Values = {}
    for sequence in profile.sequences:
        quarter = sequence != 1 or ts >= SDAC_15MIN_GO_LIVE
        qualifier = "" if sequence == 1 else f"seq{sequence}"
        out[qualifier] = price(seed, area.code, profile, m, sequence=sequence, quarter=quarter)
    return out


def _generation(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
    return generation_mix(seed, area.code, profile, moment(ts, area.tz))


def _generation_forecast(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
    m = moment(ts, area.tz)
    mix = generation_mix(seed, area.code, profile, m)
    error = fractal(key_of(seed, area.code, "gen-da"), m.epoch, DAY / 4, 2)
    produced = sum(value for psr, value in mix.items() if not psr.endswith(CONSUMPTION))
    out = {"": produced * (1.0 + 0.02 * error)}
    pumping = mix.get("B10" + CONSUMPTION)
    if pumping is not None:
        out["consumption"] = pumping * (1.0 + 0.05 * error)
    return out


def _wind_solar(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
    m = moment(ts, area.tz)
    mix = generation_mix(seed, area.code, profile, m)
    out: Values = {}
    for psr, spread in (("B16", 0.12), ("B18", 0.15), ("B19", 0.15)):
        if psr in mix:
            error = spread * fractal(key_of(seed, area.code, "ws-da", psr), m.epoch, DAY / 3, 2)
            top = capacity(profile, psr, m.year)
            out[psr] = min(top, max(0.0, mix[psr] * (1.0 + error)))
    return out


def _installed(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
    # The slot starts at local midnight of 1 January, which is still 31 December in UTC.
    year = moment(ts, area.tz).year
    return {psr: capacity(profile, psr, year) for psr in INSTALLED_PSR_TYPES}


def _flows(seed: int, area: Area, profile: AreaProfile, ts: datetime) -> Values:
    m = moment(ts, area.tz)
    return {
        FLOW_PREFIX + other: flow_mw(seed, area.code, other, m)
        for other in neighbours_of(area.code)
    }


_MODELS: dict[DataType, Callable[[int, Area, AreaProfile, datetime], Values]] = {
    DataType.ACTUAL_LOAD: _load,
    DataType.LOAD_FORECAST_DAY_AHEAD: _load_day_ahead,
    DataType.LOAD_FORECAST_WEEK_AHEAD: _min_max(DataType.LOAD_FORECAST_WEEK_AHEAD),
    DataType.LOAD_FORECAST_MONTH_AHEAD: _min_max(DataType.LOAD_FORECAST_MONTH_AHEAD),
    DataType.LOAD_FORECAST_YEAR_AHEAD: _min_max(DataType.LOAD_FORECAST_YEAR_AHEAD),
    DataType.FORECAST_MARGIN_YEAR_AHEAD: _margin,
    DataType.DAY_AHEAD_PRICE: _prices,
    DataType.GENERATION_ACTUAL: _generation,
    DataType.GENERATION_FORECAST_DAY_AHEAD: _generation_forecast,
    DataType.WIND_SOLAR_FORECAST_DAY_AHEAD: _wind_solar,
    DataType.INSTALLED_CAPACITY: _installed,
    DataType.CROSSBORDER_FLOW: _flows,
}
