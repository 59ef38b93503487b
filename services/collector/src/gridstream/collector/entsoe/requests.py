"""Build ENTSO-E query parameters for one data type, area and exact UTC window."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from gridstream.collector.entsoe.errors import EntsoeInvalidRequest
from gridstream.collector.entsoe.windows import split_for
from gridstream.contracts import (
    Area,
    AreaParameter,
    ContractError,
    DataType,
    TimeWindow,
    get_area,
    isoformat_z,
    spec_of,
)
from gridstream.contracts.series import PSR_TYPES, WIND_SOLAR_PSR_TYPES

PAGE_SIZE = 100
"""Document-limited items return at most this many TimeSeries per request."""
MAX_OFFSET = 4800
"""The largest `offset` ENTSO-E accepts (offset=n returns TimeSeries n+1 ... n+100)."""
PAGED_TYPES: frozenset[DataType] = frozenset({DataType.DAY_AHEAD_PRICE})
"""Data types whose answers are capped at PAGE_SIZE TimeSeries and paged with `offset`."""
PSR_FILTERABLE: frozenset[DataType] = frozenset(
    {
        DataType.GENERATION_ACTUAL,
        DataType.INSTALLED_CAPACITY,
        DataType.WIND_SOLAR_FORECAST_DAY_AHEAD,
    }
)
"""Data types that take an optional `psrType` filter."""
DAY_AHEAD_CONTRACT = "A01"
"""`contract_MarketAgreement.type` of day-ahead prices (A07 would be intraday)."""
_PERIOD_FORMAT = "%Y%m%d%H%M"


@dataclass(frozen=True, slots=True)
class EntsoeRequest:
    """One ENTSO-E GET request: a data type, an area, an exact UTC window and its qualifiers."""

    data_type: DataType
    area: Area
    start: datetime
    end: datetime
    psr_type: str | None = None
    to_area: Area | None = None
    """The receiving area of a cross-border flow (`in_Domain`); `area` is the sending one."""
    offset: int = 0

    def __post_init__(self) -> None:
        _check_bounds(self.data_type, self.start, self.end)
        _check_psr_type(self.data_type, self.psr_type)
        _check_flow(self.data_type, self.area, self.to_area)
        _check_offset(self.data_type, self.offset)
        if not spec_of(self.data_type).published_for(self.area):
            raise EntsoeInvalidRequest(
                f"{self.data_type} is published for bidding zones only; "
                f"{self.area.code} is not a bidding zone"
            )

    @property
    def window(self) -> TimeWindow:
        """The request's window as a contract TimeWindow."""
        return TimeWindow(start=self.start, end=self.end)

    @property
    def paged(self) -> bool:
        """True when answers are capped at PAGE_SIZE TimeSeries and need `offset` paging."""
        return self.data_type in PAGED_TYPES

    def with_offset(self, offset: int) -> EntsoeRequest:
        """The same request for another page."""
        return replace(self, offset=offset)

    def params(self) -> dict[str, str]:
        """The query parameters, without the token (the client sends that as a header)."""
        spec = spec_of(self.data_type)
        params = {"documentType": spec.document_type}
        if spec.process_type is not None:
            params["processType"] = spec.process_type
        params.update(_area_params(spec.area_parameter, self.area, self.to_area))
        if self.data_type is DataType.DAY_AHEAD_PRICE:
            params["contract_MarketAgreement.type"] = DAY_AHEAD_CONTRACT
        if self.psr_type is not None:
            params["psrType"] = self.psr_type
        if self.paged:
            params["offset"] = str(self.offset)
        params["periodStart"] = format_period(self.start)
        params["periodEnd"] = format_period(self.end)
        return params

    def describe(self) -> str:
        """A short log-safe label, e.g. `NL->DE_LU/crossborder_flow [..., ...) offset 0`."""
        area = self.area.code if self.to_area is None else f"{self.area.code}->{self.to_area.code}"
        psr = f"/{self.psr_type}" if self.psr_type else ""
        page = f" offset {self.offset}" if self.paged else ""
        return f"{area}/{self.data_type}{psr} {self.window}{page}"


def build_request(
    data_type: DataType | str,
    area: Area | str,
    start: datetime,
    end: datetime,
    *,
    psr_type: str | None = None,
    to_area: Area | str | None = None,
    offset: int = 0,
) -> EntsoeRequest:
    """Validate and build a request; EntsoeInvalidRequest says what is wrong with it."""
    try:
        dt = spec_of(data_type).data_type
        zone = area if isinstance(area, Area) else get_area(area)
        counterpart = to_area if to_area is None or isinstance(to_area, Area) else get_area(to_area)
    except ContractError as exc:
        raise EntsoeInvalidRequest(str(exc)) from exc
    return EntsoeRequest(
        dt, zone, start, end, psr_type=psr_type, to_area=counterpart, offset=offset
    )


def plan_requests(
    data_type: DataType | str,
    area: Area | str,
    start: datetime,
    end: datetime,
    *,
    psr_type: str | None = None,
    to_area: Area | str | None = None,
) -> list[EntsoeRequest]:
    """One first-page request per window the type allows over [start, end), all validated up front."""
    try:
        windows = split_for(data_type, start, end)
    except ContractError as exc:
        raise EntsoeInvalidRequest(str(exc)) from exc
    return [
        build_request(data_type, area, w.start, w.end, psr_type=psr_type, to_area=to_area)
        for w in windows
    ]


def format_period(ts: datetime) -> str:
    """`yyyyMMddHHmm` in UTC; refuses anything that would need rounding."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise EntsoeInvalidRequest(f"{ts.isoformat()} has no time zone; give an exact UTC instant")
    if ts.second or ts.microsecond:
        raise EntsoeInvalidRequest(
            f"{isoformat_z(ts)} is not on a whole minute; ENTSO-E bounds have minute precision"
        )
    return ts.astimezone(UTC).strftime(_PERIOD_FORMAT)


def _area_params(parameter: AreaParameter, area: Area, to_area: Area | None) -> dict[str, str]:
    if parameter is AreaParameter.OUT_BIDDING_ZONE:
        return {"outBiddingZone_Domain": area.eic}
    if parameter is AreaParameter.IN_DOMAIN:
        return {"in_Domain": area.eic}
    if parameter is AreaParameter.IN_AND_OUT_DOMAIN:
        return {"in_Domain": area.eic, "out_Domain": area.eic}
    if to_area is None:  # guarded by _check_flow; kept for the type checker
        raise EntsoeInvalidRequest("a cross-border flow needs the receiving area")
    return {"out_Domain": area.eic, "in_Domain": to_area.eic}


def _check_bounds(data_type: DataType, start: datetime, end: datetime) -> None:
    format_period(start)
    format_period(end)
    if end <= start:
        raise EntsoeInvalidRequest(
            f"window end {isoformat_z(end)} must be after its start {isoformat_z(start)}"
        )
    spec = spec_of(data_type)
    if end > spec.latest_allowed_end(start.astimezone(UTC)):
        raise EntsoeInvalidRequest(
            f"window [{isoformat_z(start)}, {isoformat_z(end)}) is longer than {spec.max_window}, "
            f"the largest ENTSO-E accepts for {data_type}; split it first"
        )


def _check_psr_type(data_type: DataType, psr_type: str | None) -> None:
    if psr_type is None:
        return
    if data_type not in PSR_FILTERABLE:
        raise EntsoeInvalidRequest(f"{data_type} takes no psrType filter (got {psr_type!r})")
    allowed = (
        WIND_SOLAR_PSR_TYPES if data_type is DataType.WIND_SOLAR_FORECAST_DAY_AHEAD else PSR_TYPES
    )
    if psr_type not in allowed:
        raise EntsoeInvalidRequest(
            f"psrType {psr_type!r} is not valid for {data_type}; "
            f"expected one of {', '.join(sorted(allowed))}"
        )


def _check_flow(data_type: DataType, area: Area, to_area: Area | None) -> None:
    if data_type is not DataType.CROSSBORDER_FLOW:
        if to_area is not None:
            raise EntsoeInvalidRequest(f"{data_type} takes no receiving area (got {to_area.code})")
        return
    if to_area is None:
        raise EntsoeInvalidRequest(f"{data_type} needs to_area, the receiving area of the flow")
    if to_area.eic == area.eic:
        raise EntsoeInvalidRequest(f"a flow needs two different areas (got {area.code} twice)")


def _check_offset(data_type: DataType, offset: int) -> None:
    if offset == 0:
        return
    if data_type not in PAGED_TYPES:
        raise EntsoeInvalidRequest(f"{data_type} is not paged; offset must be 0 (got {offset})")
    if not 0 <= offset <= MAX_OFFSET:
        raise EntsoeInvalidRequest(f"offset must be between 0 and {MAX_OFFSET} (got {offset})")
