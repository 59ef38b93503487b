"""SeriesKey: (area, data type, qualifier) names one series; the qualifier rules live here."""

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridstream.contracts.areas import AreaCode, get_area
from gridstream.contracts.datatypes import DataType

PSR_TYPES: frozenset[str] = frozenset([f"B{n:02d}" for n in range(1, 21)] + ["B25"])
WIND_SOLAR_PSR_TYPES: frozenset[str] = frozenset({"B16", "B18", "B19"})
CONSUMPTION_SUFFIX = ":consumption"
FLOW_PREFIX = "to:"
_SEQUENCE = re.compile(r"seq([2-9]|[1-9][0-9])")

_PLAIN = frozenset({DataType.ACTUAL_LOAD, DataType.LOAD_FORECAST_DAY_AHEAD})
_MIN_MAX = frozenset(
    {
        DataType.LOAD_FORECAST_WEEK_AHEAD,
        DataType.LOAD_FORECAST_MONTH_AHEAD,
        DataType.LOAD_FORECAST_YEAR_AHEAD,
    }
)


def qualifier_problem(data_type: DataType, qualifier: str) -> str | None:
    """Why a qualifier is not valid for a data type, or None when it is."""
    if data_type in _PLAIN or data_type is DataType.FORECAST_MARGIN_YEAR_AHEAD:
        ok = qualifier == ""
        expected = "an empty qualifier"
    elif data_type in _MIN_MAX:
        ok = qualifier in {"", "min", "max"}
        expected = "'', 'min' or 'max'"
    elif data_type is DataType.DAY_AHEAD_PRICE:
        ok = qualifier == "" or _SEQUENCE.fullmatch(qualifier) is not None
        expected = "'' (sequence 1, SDAC) or 'seq2', 'seq3', ..."
    elif data_type is DataType.GENERATION_FORECAST_DAY_AHEAD:
        ok = qualifier in {"", "consumption"}
        expected = "'' or 'consumption'"
    elif data_type is DataType.CROSSBORDER_FLOW:
        return _flow_problem(qualifier)
    else:
        return _psr_problem(data_type, qualifier)
    return (
        None if ok else f"qualifier {qualifier!r} is not valid for {data_type}: expected {expected}"
    )


def _psr_problem(data_type: DataType, qualifier: str) -> str | None:
    psr = qualifier.removesuffix(CONSUMPTION_SUFFIX)
    allowed = (
        WIND_SOLAR_PSR_TYPES if data_type is DataType.WIND_SOLAR_FORECAST_DAY_AHEAD else PSR_TYPES
    )
    if psr in allowed:
        return None
    return (
        f"qualifier {qualifier!r} is not valid for {data_type}: expected a production type "
        f"({', '.join(sorted(allowed))}), optionally with '{CONSUMPTION_SUFFIX}'"
    )


def _flow_problem(qualifier: str) -> str | None:
    if not qualifier.startswith(FLOW_PREFIX):
        return (
            f"qualifier {qualifier!r} is not valid for {DataType.CROSSBORDER_FLOW}: "
            f"expected '{FLOW_PREFIX}<AREA>' naming the receiving area"
        )
    get_area(qualifier.removeprefix(FLOW_PREFIX))
    return None


def _canonical_qualifier(data_type: DataType, qualifier: str) -> str:
    if data_type is DataType.CROSSBORDER_FLOW and qualifier.startswith(FLOW_PREFIX):
        return FLOW_PREFIX + get_area(qualifier.removeprefix(FLOW_PREFIX)).code
    return qualifier


class SeriesKey(BaseModel):
    """Names one series: area, data type and a qualifier that tells series of one document apart."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    area: AreaCode = Field(description="Area short code, e.g. DE_LU (an EIC is accepted too).")
    data_type: DataType = Field(description="The ENTSO-E data item.")
    qualifier: str = Field(
        default="",
        description=(
            "'' for plain series; a production type such as B16 (':consumption' for outBiddingZone"
            " series); min/max for A60/A61 forecasts; seq2.. for price sequences; to:<AREA> for flows."
        ),
    )

    @model_validator(mode="after")
    def _check_qualifier(self) -> "SeriesKey":
        problem = qualifier_problem(self.data_type, self.qualifier)
        if problem is not None:
            raise ValueError(problem)
        canonical = _canonical_qualifier(self.data_type, self.qualifier)
        if canonical != self.qualifier:
            object.__setattr__(self, "qualifier", canonical)
        return self

    def __str__(self) -> str:
        suffix = f"/{self.qualifier}" if self.qualifier else ""
        return f"{self.area}/{self.data_type}{suffix}"
