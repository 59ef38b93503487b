"""Reason texts of acknowledgements, worded like the real Transparency Platform's."""

from datetime import datetime

from gridstream.contracts import DataType

# Data item names as the platform's export names them (used in no-data and limit texts).
ITEMS: dict[DataType, str] = {
    DataType.ACTUAL_LOAD: "ACTUAL_TOTAL_LOAD_R3",
    DataType.LOAD_FORECAST_DAY_AHEAD: "DAY_AHEAD_TOTAL_LOAD_FORECAST_R3",
    DataType.LOAD_FORECAST_WEEK_AHEAD: "WEEK_AHEAD_TOTAL_LOAD_FORECAST_R3",
    DataType.LOAD_FORECAST_MONTH_AHEAD: "MONTH_AHEAD_TOTAL_LOAD_FORECAST_R3",
    DataType.LOAD_FORECAST_YEAR_AHEAD: "YEAR_AHEAD_TOTAL_LOAD_FORECAST_R3",
    DataType.FORECAST_MARGIN_YEAR_AHEAD: "YEAR_AHEAD_FORECAST_MARGIN_R3",
    DataType.DAY_AHEAD_PRICE: "ENERGY_PRICES",
    DataType.GENERATION_ACTUAL: "AGGREGATED_GENERATION_PER_TYPE_R3",
    DataType.GENERATION_FORECAST_DAY_AHEAD: "DAY_AHEAD_AGGREGATED_GENERATION_R3",
    DataType.WIND_SOLAR_FORECAST_DAY_AHEAD: "WIND_AND_SOLAR_FORECAST_R3",
    DataType.INSTALLED_CAPACITY: "INSTALLED_GENERATION_CAPACITY_AGGREGATED_R3",
    DataType.CROSSBORDER_FLOW: "PHYSICAL_FLOWS_R3",
}
_DEPENDENCY = (
    "Invalid business dimension parameters provided. Please check you request against "
    "dependency tables."
)


def _instant(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def no_matching_data(
    data_type: DataType, article: str, eics: tuple[str, ...], start: datetime, end: datetime
) -> str:
    """HTTP 200: the query was fine but nothing matches it."""
    return (
        f"No matching data found for Data item {ITEMS[data_type]} [{article}] "
        f"({', '.join(eics)}) and interval {_instant(start)}/{_instant(end)}."
    )


def too_long(data_type: DataType, start: datetime, end: datetime, period: str) -> str:
    """HTTP 400: the window exceeds the item's largest export (P1M for most items)."""
    return (
        f"Provided time interval ({_instant(start)}/{_instant(end)}) is larger than maximum "
        f"allowed period '{period}' for '{ITEMS[data_type]}:XML' export"
    )


def invalid_area(eic: str) -> str:
    """HTTP 400: an EIC the item does not know (e.g. a control area asked for prices)."""
    return f"Delivered Area EIC {eic} is not valid."


def missing(name: str) -> str:
    """HTTP 400: a mandatory parameter is absent."""
    return f"Mandatory parameter {name} is missing."


def dependency(detail: str) -> str:
    """HTTP 400: a parameter combination no data item accepts."""
    return f"{_DEPENDENCY} {detail}"


def unknown_parameter(name: str) -> str:
    """HTTP 400: a parameter the API does not have."""
    return f"Input parameter does not exist: {name}"


def bad_value(name: str, value: str, expected: str) -> str:
    """HTTP 400: a parameter value of the wrong form."""
    return f"Value '{value}' of parameter {name} is not valid; expected {expected}."


def psr_not_valid(psr: str) -> str:
    """HTTP 400: a production type the item does not accept."""
    return f"PsrType {psr} is not valid for this area and data item."


def bad_interval(start: datetime, end: datetime) -> str:
    """HTTP 400: periodEnd is not after periodStart."""
    interval = f"{_instant(start)}/{_instant(end)}"
    return f"Provided time interval ({interval}) is not valid: end must be after start."
