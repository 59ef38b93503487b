"""The DataType catalogue: what each ENTSO-E data item is, how it is requested and when it is due."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from gridstream.contracts.areas import Area
from gridstream.contracts.errors import UnknownDataTypeError
from gridstream.contracts.resolution import add_months


class DataType(StrEnum):
    """An ENTSO-E data item gridstream collects; the value is used as a subject token."""

    ACTUAL_LOAD = "actual_load"
    LOAD_FORECAST_DAY_AHEAD = "load_forecast_day_ahead"
    LOAD_FORECAST_WEEK_AHEAD = "load_forecast_week_ahead"
    LOAD_FORECAST_MONTH_AHEAD = "load_forecast_month_ahead"
    LOAD_FORECAST_YEAR_AHEAD = "load_forecast_year_ahead"
    FORECAST_MARGIN_YEAR_AHEAD = "forecast_margin_year_ahead"
    DAY_AHEAD_PRICE = "day_ahead_price"
    GENERATION_ACTUAL = "generation_actual"
    GENERATION_FORECAST_DAY_AHEAD = "generation_forecast_day_ahead"
    WIND_SOLAR_FORECAST_DAY_AHEAD = "wind_solar_forecast_day_ahead"
    INSTALLED_CAPACITY = "installed_capacity"
    CROSSBORDER_FLOW = "crossborder_flow"


class AreaParameter(StrEnum):
    """Which request parameter(s) carry the area."""

    OUT_BIDDING_ZONE = "outBiddingZone_Domain"
    IN_DOMAIN = "in_Domain"
    IN_AND_OUT_DOMAIN = "in_Domain+out_Domain"
    OUT_TO_IN_DOMAIN = "out_Domain->in_Domain"


class Horizon(StrEnum):
    """Whether a series looks back (measured) or forward (forecasts, market results)."""

    REALIZED = "realized"
    FORECAST = "forecast"


@dataclass(frozen=True, slots=True)
class Deadline:
    """When ENTSO-E data of one type is due (Regulation 543/2013, Art. 6, 8, 12, 14)."""

    description: str
    after_period: timedelta | None = None
    """Realized data: due this long after the end of the period it describes."""
    day_before_at: time | None = None
    """Day-ahead items: due on the day before delivery at this Brussels local time."""
    lead: timedelta | None = None
    """Longer-range items: due at least this long before the period starts."""


@dataclass(frozen=True, slots=True)
class DataTypeSpec:
    """Everything gridstream knows about one data type."""

    data_type: DataType
    title: str
    article: str
    document_type: str
    process_type: str | None
    area_parameter: AreaParameter
    unit: str
    horizon: Horizon
    deadline: Deadline
    forecast_horizon: timedelta | None
    max_window_months: int
    bidding_zone_only: bool = False

    @property
    def max_window(self) -> str:
        """The largest request window as an ISO 8601 period (P1M or P1Y)."""
        return "P1Y" if self.max_window_months == 12 else f"P{self.max_window_months}M"

    def latest_allowed_end(self, start: datetime) -> datetime:
        """The latest end a single request starting at `start` may have."""
        return add_months(start, self.max_window_months)

    def published_for(self, area: Area) -> bool:
        """False where the area is known not to publish this type (e.g. prices of a control area)."""
        return area.is_bidding_zone or not self.bidding_zone_only


_R, _F = Horizon.REALIZED, Horizon.FORECAST
_OUTBZ, _IN = AreaParameter.OUT_BIDDING_ZONE, AreaParameter.IN_DOMAIN
_HOUR, _DAY = timedelta(hours=1), timedelta(days=1)

_SPECS: tuple[DataTypeSpec, ...] = (
    DataTypeSpec(
        DataType.ACTUAL_LOAD,
        "Actual total load",
        "6.1.A",
        "A65",
        "A16",
        _OUTBZ,
        "MW",
        _R,
        Deadline("1 h after the operating period", after_period=_HOUR),
        None,
        1,
    ),
    DataTypeSpec(
        DataType.LOAD_FORECAST_DAY_AHEAD,
        "Day-ahead total load forecast",
        "6.1.B",
        "A65",
        "A01",
        _OUTBZ,
        "MW",
        _F,
        Deadline("2 h before day-ahead gate closure (D-1 10:00 CET)", day_before_at=time(10, 0)),
        2 * _DAY,
        1,
    ),
    DataTypeSpec(
        DataType.LOAD_FORECAST_WEEK_AHEAD,
        "Week-ahead total load forecast",
        "6.1.C",
        "A65",
        "A31",
        _OUTBZ,
        "MW",
        _F,
        Deadline("each Friday, 2 h before gate closure", lead=3 * _DAY),
        9 * _DAY,
        1,
    ),
    DataTypeSpec(
        DataType.LOAD_FORECAST_MONTH_AHEAD,
        "Month-ahead total load forecast",
        "6.1.D",
        "A65",
        "A32",
        _OUTBZ,
        "MW",
        _F,
        Deadline("1 week before the month", lead=7 * _DAY),
        62 * _DAY,
        12,
    ),
    DataTypeSpec(
        DataType.LOAD_FORECAST_YEAR_AHEAD,
        "Year-ahead total load forecast",
        "6.1.E",
        "A65",
        "A33",
        _OUTBZ,
        "MW",
        _F,
        Deadline("by the 15th of the month before the year", lead=15 * _DAY),
        400 * _DAY,
        12,
    ),
    DataTypeSpec(
        DataType.FORECAST_MARGIN_YEAR_AHEAD,
        "Year-ahead forecast margin",
        "8.1",
        "A70",
        "A33",
        _OUTBZ,
        "MW",
        _F,
        Deadline("by the 15th of the month before the year", lead=15 * _DAY),
        400 * _DAY,
        12,
    ),
    DataTypeSpec(
        DataType.DAY_AHEAD_PRICE,
        "Day-ahead prices",
        "12.1.D",
        "A44",
        None,
        AreaParameter.IN_AND_OUT_DOMAIN,
        "EUR/MWh",
        _F,
        Deadline("1 h after SDAC gate closure (D-1 13:00 CET)", day_before_at=time(13, 0)),
        2 * _DAY,
        1,
        bidding_zone_only=True,
    ),
    DataTypeSpec(
        DataType.GENERATION_ACTUAL,
        "Actual generation per production type",
        "16.1.B&C",
        "A75",
        "A16",
        _IN,
        "MW",
        _R,
        Deadline("1 h after the operating period", after_period=_HOUR),
        None,
        1,
    ),
    DataTypeSpec(
        DataType.GENERATION_FORECAST_DAY_AHEAD,
        "Day-ahead aggregated generation",
        "14.1.C",
        "A71",
        "A01",
        _IN,
        "MW",
        _F,
        Deadline("D-1 18:00 Brussels time", day_before_at=time(18, 0)),
        2 * _DAY,
        1,
    ),
    DataTypeSpec(
        DataType.WIND_SOLAR_FORECAST_DAY_AHEAD,
        "Day-ahead wind and solar forecast",
        "14.1.D",
        "A69",
        "A01",
        _IN,
        "MW",
        _F,
        Deadline("D-1 18:00 Brussels time", day_before_at=time(18, 0)),
        2 * _DAY,
        1,
    ),
    DataTypeSpec(
        DataType.INSTALLED_CAPACITY,
        "Installed capacity per production type",
        "14.1.A",
        "A68",
        "A33",
        _IN,
        "MW",
        _F,
        Deadline("1 week before the end of the previous year", lead=7 * _DAY),
        400 * _DAY,
        12,
    ),
    DataTypeSpec(
        DataType.CROSSBORDER_FLOW,
        "Cross-border physical flows",
        "12.1.G",
        "A11",
        None,
        AreaParameter.OUT_TO_IN_DOMAIN,
        "MW",
        _R,
        Deadline("1 h after the operating period", after_period=_HOUR),
        None,
        1,
    ),
)

CATALOGUE: dict[DataType, DataTypeSpec] = {spec.data_type: spec for spec in _SPECS}


def spec_of(data_type: DataType | str) -> DataTypeSpec:
    """The catalogue entry of a data type; UnknownDataTypeError names the valid ones."""
    try:
        return CATALOGUE[DataType(data_type)]
    except ValueError:
        valid = ", ".join(dt.value for dt in DataType)
        raise UnknownDataTypeError(
            f"unknown data type {data_type!r}; expected one of: {valid}"
        ) from None


# A74 asks for the wind-and-solar subset of A75 and is answered in the same shape.
_DOCUMENT_ALIASES: dict[tuple[str, str | None], DataType] = {
    ("A74", "A16"): DataType.GENERATION_ACTUAL,
}
DOCUMENT_TYPES: dict[tuple[str, str | None], DataType] = {
    (spec.document_type, spec.process_type): spec.data_type for spec in _SPECS
} | _DOCUMENT_ALIASES
"""(ENTSO-E documentType, processType) -> data type; processType None where a document has none."""


def data_type_for(document_type: str, process_type: str | None) -> DataType | None:
    """The data type an ENTSO-E document or request of this type and process type carries."""
    return DOCUMENT_TYPES.get((document_type, process_type))
