"""Which TimeSeries an area publishes for a data type, and on which slot grid they lie."""

from dataclasses import dataclass
from enum import StrEnum

from gridstream.contracts import Area, DataType, Resolution
from gridstream.contracts.series import FLOW_PREFIX, WIND_SOLAR_PSR_TYPES
from gridstream.entsoe_sim.generation import CONSUMPTION
from gridstream.entsoe_sim.grids import Grid
from gridstream.entsoe_sim.profiles import AreaProfile
from gridstream.entsoe_sim.topology import flow_resolution
from gridstream.entsoe_sim.values import INSTALLED_PSR_TYPES


class Domain(StrEnum):
    """The element naming the area of a GL TimeSeries."""

    OUT_BIDDING_ZONE = "outBiddingZone_Domain.mRID"
    IN_BIDDING_ZONE = "inBiddingZone_Domain.mRID"


@dataclass(frozen=True, slots=True)
class SeriesDef:
    """One TimeSeries family of a document: its value qualifier and header fields."""

    qualifier: str
    business_type: str
    domain: Domain = Domain.OUT_BIDDING_ZONE
    object_aggregation: str = "A01"
    psr_type: str | None = None
    sequence: int | None = None
    sparse: bool = False
    """Only slots with a non-zero value are published, so the series splits into several Periods."""


_LOAD = frozenset({DataType.ACTUAL_LOAD, DataType.LOAD_FORECAST_DAY_AHEAD})
_MIN_MAX = frozenset(
    {
        DataType.LOAD_FORECAST_WEEK_AHEAD,
        DataType.LOAD_FORECAST_MONTH_AHEAD,
        DataType.LOAD_FORECAST_YEAR_AHEAD,
    }
)
_GRIDS: dict[DataType, Grid] = {
    DataType.LOAD_FORECAST_WEEK_AHEAD: Grid.WEEK_DAYS,
    DataType.LOAD_FORECAST_MONTH_AHEAD: Grid.WEEKS,
    DataType.LOAD_FORECAST_YEAR_AHEAD: Grid.YEAR_WEEKS,
    DataType.FORECAST_MARGIN_YEAR_AHEAD: Grid.YEARS,
    DataType.INSTALLED_CAPACITY: Grid.YEARS,
    DataType.DAY_AHEAD_PRICE: Grid.PRICE_DAYS,
}
_WIND_SOLAR_BUSINESS = {"B16": "A94", "B18": "A93", "B19": "A93"}
_IN, _OUT = Domain.IN_BIDDING_ZONE, Domain.OUT_BIDDING_ZONE


def grid_of(data_type: DataType) -> Grid:
    """The slot grid of a data type (MTU unless it is a day, week or year product)."""
    return _GRIDS.get(data_type, Grid.MTU)


def mtu_of(profile: AreaProfile, counterpart: AreaProfile | None = None) -> Resolution:
    """The MTU of an area's load and generation, or of a border's flows."""
    if counterpart is None:
        return profile.resolution
    return flow_resolution(profile.resolution, counterpart.resolution)


def series_for(
    data_type: DataType,
    profile: AreaProfile,
    *,
    document_type: str,
    psr_type: str | None = None,
    sequence: int | None = None,
    counterpart: Area | None = None,
) -> list[SeriesDef]:
    """The TimeSeries families of a document, in document order, after the request's filters."""
    if data_type in _LOAD:
        return [SeriesDef("", "A04")]
    if data_type in _MIN_MAX:
        return [SeriesDef("min", "A60"), SeriesDef("max", "A61")]
    if data_type is DataType.FORECAST_MARGIN_YEAR_AHEAD:
        return [SeriesDef("", "A92")]
    if data_type is DataType.DAY_AHEAD_PRICE:
        return _prices(profile, sequence)
    if data_type is DataType.CROSSBORDER_FLOW:
        code = counterpart.code if counterpart is not None else ""
        return [SeriesDef(FLOW_PREFIX + code, "A66")]
    if data_type is DataType.GENERATION_FORECAST_DAY_AHEAD:
        found = [SeriesDef("", "A01", _IN)]
        return found + ([SeriesDef("consumption", "A04", _OUT)] if profile.pumping else [])
    return [
        s for s in _by_type(data_type, profile, document_type) if psr_type in (None, s.psr_type)
    ]


def _prices(profile: AreaProfile, sequence: int | None) -> list[SeriesDef]:
    with_position = len(profile.sequences) > 1
    return [
        SeriesDef("" if seq == 1 else f"seq{seq}", "A62", sequence=seq if with_position else None)
        for seq in profile.sequences
        if sequence in (None, seq)
    ]


def _by_type(data_type: DataType, profile: AreaProfile, document_type: str) -> list[SeriesDef]:
    present = sorted(psr for psr, mw in profile.capacity.items() if mw > 0)
    if data_type is DataType.INSTALLED_CAPACITY:
        return [SeriesDef(psr, "A37", _IN, "A08", psr) for psr in INSTALLED_PSR_TYPES]
    if data_type is DataType.WIND_SOLAR_FORECAST_DAY_AHEAD:
        return [
            SeriesDef(psr, _WIND_SOLAR_BUSINESS[psr], _IN, "A08", psr)
            for psr in present
            if psr in WIND_SOLAR_PSR_TYPES
        ]
    if document_type == "A74":
        present = [psr for psr in present if psr in WIND_SOLAR_PSR_TYPES]
    consumption = [
        SeriesDef(f"B10{CONSUMPTION}", "A01", _OUT, "A08", "B10", sparse=profile.sparse_pumping)
        for psr in present
        if psr == "B10" and profile.pumping
    ]
    sparse = {"B10": profile.sparse_pumping}
    produced = [
        SeriesDef(psr, "A01", _IN, "A08", psr, sparse=sparse.get(psr, False)) for psr in present
    ]
    return consumption + produced
