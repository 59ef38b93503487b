"""Per-area parameters of the signal models: load range, MTU, location, price level, installed mix."""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from gridstream.contracts import Area, Resolution
from gridstream.entsoe_sim.noise import key_of, unit

_Q, _H = Resolution.PT15M, Resolution.PT60M


@dataclass(frozen=True, slots=True)
class AreaProfile:
    """How one area's simulated power system looks (capacities are MW in 2024)."""

    peak_mw: float
    """Winter weekday peak load."""
    trough_mw: float
    """Summer weekend night load."""
    season_weight: float
    """Share of the load range driven by the season (large where heating is electric, e.g. FR)."""
    resolution: Resolution
    """MTU of load, generation and flows."""
    lat: float
    lon: float
    price_base: float
    """Typical day-ahead price, EUR/MWh."""
    capacity: Mapping[str, float]
    pumping: bool = False
    """Publishes pumped-storage pumping as an outBiddingZone (consumption) series."""
    sparse_pumping: bool = False
    """B10 series only carry the hours with a non-zero value, so they come in several Periods (FR)."""
    sequences: tuple[int, ...] = (1,)
    """Day-ahead price sequences: 1 = SDAC, 2 = EXAA (DE_LU, AT)."""
    negative_price_rate: float = 0.06
    """Chance that a summer day has negative midday prices."""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    retired: Mapping[str, int] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    """psrType -> first year with no capacity left (e.g. German nuclear)."""


def _mix(spec: str) -> Mapping[str, float]:
    """Parse "B01=900 B04=600" into an immutable psrType -> MW mapping (keeps the table compact)."""
    pairs = (item.split("=") for item in spec.split())
    return MappingProxyType({psr: float(mw) for psr, mw in pairs})


_DE_LU_SINCE = datetime(2018, 9, 30, 22, tzinfo=UTC)

# fmt: off
_PROFILES: dict[str, AreaProfile] = {
    "DE_LU": AreaProfile(
        75000, 40000, 0.25, _Q, 51.0, 10.0, 85.0,
        _mix("B01=8900 B02=17700 B04=32000 B05=15000 B06=4400 B09=40 B10=9400 B11=3900 B12=1300"
             " B14=4050 B15=450 B16=82000 B17=1600 B18=8900 B19=61000 B20=1300"),
        pumping=True, sequences=(1, 2), negative_price_rate=0.12, valid_from=_DE_LU_SINCE,
        retired=MappingProxyType({"B14": 2024}),
    ),
    "FR": AreaProfile(
        80000, 35000, 0.55, _H, 46.5, 2.5, 70.0,
        _mix("B01=2200 B04=12500 B05=1800 B06=3000 B10=4900 B11=11000 B12=8400 B14=61400"
             " B16=20000 B17=900 B18=1500 B19=22000"),
        pumping=True, sparse_pumping=True, negative_price_rate=0.08,
    ),
    "NL": AreaProfile(
        18000, 10000, 0.2, _Q, 52.2, 5.3, 85.0,
        _mix("B01=418 B04=18476 B05=4012 B11=38 B14=486 B16=27980 B17=777 B18=4739 B19=6955 B20=1"),
        negative_price_rate=0.12,
    ),
    "BE": AreaProfile(
        13500, 7500, 0.25, _Q, 50.6, 4.5, 82.0,
        _mix("B01=700 B04=7000 B10=1300 B11=120 B14=5900 B16=9000 B17=300 B18=2260 B19=3300 B20=700"),
        pumping=True, negative_price_rate=0.1,
    ),
    "AT": AreaProfile(
        11000, 5500, 0.35, _Q, 47.5, 14.0, 95.0,
        _mix("B01=500 B04=4300 B10=5600 B11=6000 B12=2500 B16=5000 B17=200 B19=4000"),
        pumping=True, sequences=(1, 2),
    ),
    "PL": AreaProfile(
        26000, 13500, 0.3, _H, 52.0, 19.0, 105.0,
        _mix("B01=900 B02=8000 B04=4000 B05=19000 B10=1700 B11=600 B16=17000 B19=9500"),
        pumping=True, negative_price_rate=0.03,
    ),
    "ES": AreaProfile(
        38000, 21000, 0.2, _H, 40.0, -3.7, 65.0,
        _mix("B01=900 B04=26000 B05=1000 B10=3300 B11=3000 B12=17000 B14=7100 B16=30000 B17=300"
             " B19=30000"),
        pumping=True, negative_price_rate=0.05,
    ),
    "IT_NORD": AreaProfile(
        30000, 14000, 0.3, _H, 45.5, 9.5, 110.0,
        _mix("B01=2000 B04=25000 B10=6000 B11=8000 B12=6000 B16=10000 B17=500"),
        pumping=True, negative_price_rate=0.0,
    ),
    "CZ": AreaProfile(
        10500, 5500, 0.35, _H, 49.8, 15.5, 90.0,
        _mix("B01=800 B02=7000 B04=1200 B10=1200 B11=400 B14=4200 B16=2500 B19=350"),
        pumping=True,
    ),
    "DK_1": AreaProfile(
        3900, 1800, 0.35, _H, 56.0, 9.0, 75.0,
        _mix("B01=900 B04=600 B05=400 B16=2500 B18=1700 B19=4300"), negative_price_rate=0.1,
    ),
    "DK_2": AreaProfile(
        2700, 1200, 0.35, _H, 55.5, 12.0, 80.0,
        _mix("B01=1200 B04=300 B05=800 B16=1200 B18=1000 B19=800"), negative_price_rate=0.08,
    ),
    "NO_1": AreaProfile(
        6500, 2500, 0.6, _H, 60.0, 10.5, 45.0,
        _mix("B11=2500 B12=3500 B16=100 B19=200"), negative_price_rate=0.02,
    ),
    "SE_3": AreaProfile(
        15000, 6500, 0.5, _H, 59.0, 15.0, 40.0,
        _mix("B01=1500 B11=2800 B14=6900 B16=1500 B19=5000"), negative_price_rate=0.04,
    ),
    "CH": AreaProfile(
        10000, 5000, 0.35, _H, 46.8, 8.2, 90.0,
        _mix("B10=3500 B11=4200 B12=8100 B14=2900 B16=5000"), pumping=True,
    ),
}
# fmt: on

# Areas that are the same system seen through another boundary: (base profile, scale).
_DERIVED: dict[str, tuple[str, float]] = {
    "DE": ("DE_LU", 0.98),
    "DE_50HZ": ("DE_LU", 0.2),
    "DE_AMPRION": ("DE_LU", 0.4),
    "DE_TENNET": ("DE_LU", 0.28),
    "DE_TRANSNET": ("DE_LU", 0.14),
    "DE_AT_LU": ("DE_LU", 1.15),
    "DK": ("DK_1", 1.6),
    "DK_CA": ("DK_1", 1.6),
}
_OLD_ZONE_UNTIL = _DE_LU_SINCE

_GENERIC_MIX = {"B01": 0.05, "B04": 0.45, "B05": 0.15, "B11": 0.1, "B16": 0.5, "B19": 0.3}


def profile_for(area: Area, seed: int) -> AreaProfile:
    """The profile of an area: a hand-made one, a scaled one, or a generic one from the seed."""
    if area.code in _PROFILES:
        return _PROFILES[area.code]
    if area.code in _DERIVED:
        base, scale = _DERIVED[area.code]
        profile = _scaled(_PROFILES[base], scale)
        if area.code == "DE_AT_LU":
            return dataclasses.replace(profile, valid_from=None, valid_until=_OLD_ZONE_UNTIL)
        return dataclasses.replace(profile, valid_from=None, sequences=(1,))
    return _generic(area, seed)


def _scaled(profile: AreaProfile, scale: float) -> AreaProfile:
    return dataclasses.replace(
        profile,
        peak_mw=profile.peak_mw * scale,
        trough_mw=profile.trough_mw * scale,
        capacity=MappingProxyType({psr: mw * scale for psr, mw in profile.capacity.items()}),
    )


def _generic(area: Area, seed: int) -> AreaProfile:
    key = key_of(seed, "profile", area.code)
    peak = 3000.0 + 12000.0 * unit(key, 0)
    return AreaProfile(
        peak_mw=round(peak),
        trough_mw=round(peak * (0.45 + 0.1 * unit(key, 1))),
        season_weight=0.25 + 0.2 * unit(key, 2),
        resolution=_H,
        lat=44.0 + 14.0 * unit(key, 3),
        lon=-2.0 + 28.0 * unit(key, 4),
        price_base=round(50.0 + 60.0 * unit(key, 5)),
        capacity=MappingProxyType(
            {psr: round(share * peak) for psr, share in _GENERIC_MIX.items()}
        ),
    )
