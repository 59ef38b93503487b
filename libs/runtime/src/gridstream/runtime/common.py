"""The `common` configuration every service gets (``settings.common``): what the system is about.

Areas and data types of interest, the series of interest (every area with every data type it
publishes, plus the listed ``series``, e.g. cross-border flows) and where each series' history
starts. Messages name what is wrong, never the rejected value.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import NoDecode

from gridstream.contracts import AREAS, DataType, UnknownAreaError, add_months, get_area, spec_of

_PERIOD = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")
_START_HINT = "use a date (YYYY-MM-DD) or a period back from now (ISO 8601: P10Y, P18M, P90D)"
Loc = tuple[int | str, ...]


class Lookback:
    """A history start relative to now: this many months and days before today (UTC)."""

    __slots__ = ("days", "months")

    def __init__(self, *, months: int = 0, days: int = 0) -> None:
        if months < 0 or days < 0 or months + days == 0:
            raise ValueError(_START_HINT)
        self.months, self.days = months, days

    def start(self, now: datetime) -> datetime:
        """Midnight UTC this long before ``now`` (stable for a whole day)."""
        today = datetime.combine(now.astimezone(UTC).date(), time(), UTC)
        return add_months(today, -self.months) - timedelta(days=self.days)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lookback) and (self.months, self.days) == (
            other.months,
            other.days,
        )

    def __hash__(self) -> int:
        return hash((self.months, self.days))

    def __str__(self) -> str:
        years, months = divmod(self.months, 12)
        parts = [(years, "Y"), (months, "M"), (self.days, "D")]
        return "P" + "".join(f"{n}{unit}" for n, unit in parts if n)

    def __repr__(self) -> str:
        return f"Lookback({self})"


def _start(value: Any) -> date | Lookback:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip().upper()
        match = _PERIOD.fullmatch(text)
        if match and text != "P":
            years, months, weeks, days = (int(n or 0) for n in match.groups())
            return Lookback(months=12 * years + months, days=7 * weeks + days)
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(_START_HINT)


def _area(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be an area code such as DE_LU")
    try:
        return get_area(value).code
    except UnknownAreaError:
        key = value.strip().upper().replace("-", "_")
        close = difflib.get_close_matches(key, list(AREAS), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown area code{hint} (`gridstream areas` lists them)") from None


def _data_type(value: Any) -> Any:
    names = [dt.value for dt in DataType]
    if not isinstance(value, str) or value in names:
        return value
    close = difflib.get_close_matches(value.strip().lower(), names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise ValueError(f"unknown data type{hint} (`gridstream datatypes` lists them)")


def _from_env(value: Any) -> Any:
    """A list given as one string (an environment variable): JSON, or comma-separated."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError("is not valid JSON") from None
    return [part.strip() for part in text.split(",") if part.strip()]


HistoryStartValue = Annotated[
    date | Lookback, PlainValidator(_start), PlainSerializer(str, return_type=str)
]
"""A fixed date, or a period back from today (``P10Y``)."""
AreaName = Annotated[str, PlainValidator(_area)]
DataTypeName = Annotated[DataType, BeforeValidator(_data_type)]

DEFAULT_AREAS = ("DE_LU", "FR", "NL")
DEFAULT_DATA_TYPES = (
    DataType.ACTUAL_LOAD,
    DataType.LOAD_FORECAST_DAY_AHEAD,
    DataType.DAY_AHEAD_PRICE,
    DataType.GENERATION_ACTUAL,
    DataType.WIND_SOLAR_FORECAST_DAY_AHEAD,
)
DEFAULT_HISTORY_START = Lookback(days=30)
_FROZEN = ConfigDict(extra="forbid", frozen=True)


class SeriesOfInterest(BaseModel):
    """One series the system cares about: an area and data type (a flow also names ``to_area``)."""

    model_config = _FROZEN

    area: AreaName = Field(description="Area code (or EIC).")
    data_type: DataTypeName = Field(description="The ENTSO-E data item.")
    to_area: AreaName | None = Field(None, description="Receiving area of a crossborder_flow.")
    history_start: HistoryStartValue | None = Field(
        None, description="Where this series' history starts (overrides common.history_start)."
    )

    @property
    def key(self) -> tuple[str, DataType, str | None]:
        """(area, data type, to_area): what tells two series apart."""
        return self.area, self.data_type, self.to_area

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        spec = spec_of(self.data_type)
        if not spec.published_for(get_area(self.area)):
            _fail([(("data_type",), f"{spec.title} exist only for bidding zones, not {self.area}")])
        is_flow = self.data_type is DataType.CROSSBORDER_FLOW
        if is_flow and self.to_area is None:
            _fail([(("to_area",), "crossborder_flow needs the receiving area in to_area")])
        if not is_flow and self.to_area is not None:
            _fail([(("to_area",), f"only crossborder_flow takes to_area, not {self.data_type}")])
        if self.to_area == self.area:
            _fail([(("to_area",), f"a flow from {self.area} to itself is not a flow")])
        return self


class HistoryStart(BaseModel):
    """Where history starts: a default, overridden per data type, then per area."""

    model_config = _FROZEN

    default: HistoryStartValue = Field(DEFAULT_HISTORY_START, description="For every series.")
    by_data_type: dict[DataTypeName, HistoryStartValue] = Field(
        default_factory=dict, description="Per data type (beats by_area)."
    )
    by_area: dict[AreaName, HistoryStartValue] = Field(
        default_factory=dict, description="Per area."
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # `history_start: P10Y` is short for `history_start: {default: P10Y}`.
        if isinstance(value, str) and value.strip().startswith("{"):
            return _from_env(value)
        return value if isinstance(value, dict | HistoryStart) else {"default": value}


class CommonConfig(BaseModel):
    """The `common` section: areas, data types, series of interest and history start."""

    model_config = _FROZEN

    areas: Annotated[tuple[AreaName, ...], NoDecode, BeforeValidator(_from_env)] = Field(
        DEFAULT_AREAS, description="Areas of interest."
    )
    data_types: Annotated[tuple[DataTypeName, ...], NoDecode, BeforeValidator(_from_env)] = Field(
        DEFAULT_DATA_TYPES, description="Data types of interest."
    )
    series: Annotated[tuple[SeriesOfInterest, ...], NoDecode, BeforeValidator(_from_env)] = Field(
        (), description="Series beyond areas x data_types (flows), or with their own history_start."
    )
    history_start: Annotated[HistoryStart, NoDecode] = Field(default_factory=HistoryStart)

    def series_of_interest(self) -> tuple[SeriesOfInterest, ...]:
        """Every area with every data type it publishes (flows excepted), then ``series``."""
        product = [
            SeriesOfInterest(area=area, data_type=data_type)
            for area in self.areas
            for data_type in self.data_types
            if data_type is not DataType.CROSSBORDER_FLOW
            and spec_of(data_type).published_for(get_area(area))
        ]
        listed = {s.key: s for s in self.series}
        return tuple(listed.pop(s.key, s) for s in product) + tuple(listed.values())

    def history_start_of(self, series: SeriesOfInterest, now: datetime) -> datetime:
        """When ``series``' history starts: its own, its data type's, its area's, or the default."""
        listed = next((s for s in self.series if s.key == series.key), series)
        start = (
            series.history_start
            or listed.history_start
            or self.history_start.by_data_type.get(series.data_type)
            or self.history_start.by_area.get(series.area)
            or self.history_start.default
        )
        if isinstance(start, Lookback):
            return start.start(now)
        return datetime.combine(start, time(), UTC)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        _fail(list(self._problems()))
        return self

    def _problems(self) -> Iterator[tuple[Loc, str]]:
        for name, values in (("areas", self.areas), ("data_types", self.data_types)):
            if not values:
                yield (name,), "must list at least one"
            yield from _repeats(name, values)
        seen: dict[tuple[str, DataType, str | None], int] = {}
        for i, one in enumerate(self.series):
            if one.area not in self.areas:
                yield ("series", i, "area"), f"{one.area} is not among common.areas"
            if one.data_type not in self.data_types:
                yield ("series", i, "data_type"), f"{one.data_type} is not among common.data_types"
            if one.key in seen:
                yield ("series", i), f"the same series as common.series[{seen[one.key]}]"
            seen.setdefault(one.key, i)
        flows = any(s.data_type is DataType.CROSSBORDER_FLOW for s in self.series)
        if DataType.CROSSBORDER_FLOW in self.data_types and not flows:
            problem = "crossborder_flow needs its area pairs in common.series (area, to_area)"
            yield ("data_types",), problem
        for area in self.history_start.by_area:
            if area not in self.areas:
                yield ("history_start", "by_area", area), f"{area} is not among common.areas"
        for data_type in self.history_start.by_data_type:
            if data_type not in self.data_types:
                where = ("history_start", "by_data_type", data_type.value)
                yield where, f"{data_type} is not among common.data_types"


def _repeats(name: str, values: tuple[Any, ...]) -> Iterator[tuple[Loc, str]]:
    for i, value in enumerate(values):
        if value in values[:i]:
            yield (name, i), f"{value} is listed twice"


def _fail(problems: list[tuple[Loc, str]]) -> None:
    """Raise every problem at once, each at its own key path (pydantic adds the outer path)."""
    if problems:
        errors = [
            InitErrorDetails(type=PydanticCustomError("inconsistent", message), loc=loc, input=None)
            for loc, message in problems
        ]
        raise ValidationError.from_exception_data("common", errors)
