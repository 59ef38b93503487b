"""Validate a GET /api query the way the real API does, into a SimRequest (or a 400 reason text)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from gridstream.contracts import (
    DOCUMENT_TYPES,
    Area,
    AreaParameter,
    DataType,
    DataTypeSpec,
    get_area,
    spec_of,
)
from gridstream.contracts.series import PSR_TYPES, WIND_SOLAR_PSR_TYPES
from gridstream.entsoe_sim import texts
from gridstream.entsoe_sim.errors import InvalidQueryError

SEQUENCE = "classificationSequence_AttributeInstanceComponent.position"
CONTRACT = "contract_MarketAgreement.type"
KNOWN_PARAMETERS = (
    "documentType", "processType", "businessType", "psrType", "in_Domain", "out_Domain",
    "outBiddingZone_Domain", CONTRACT, SEQUENCE, "offset", "periodStart", "periodEnd",
    "securityToken", "curveType",
)  # fmt: skip
_BY_LOWER = {name.lower(): name for name in KNOWN_PARAMETERS}
_PERIOD = re.compile(r"\d{12}")
MAX_OFFSET = 4800

# Process types the real API accepts for A69 beyond day-ahead (current, intraday); not simulated.
_EXTRA_PROCESSES: dict[tuple[str, str | None], DataType] = {
    ("A69", "A18"): DataType.WIND_SOLAR_FORECAST_DAY_AHEAD,
    ("A69", "A40"): DataType.WIND_SOLAR_FORECAST_DAY_AHEAD,
}
_TYPES = DOCUMENT_TYPES | _EXTRA_PROCESSES
_NOT_SIMULATED_PROCESSES = frozenset({"A18", "A40"})
"""Current and intraday wind & solar forecasts: valid queries, but the simulator has no such data."""
_PSR_FILTERABLE = frozenset(
    {
        DataType.GENERATION_ACTUAL,
        DataType.INSTALLED_CAPACITY,
        DataType.WIND_SOLAR_FORECAST_DAY_AHEAD,
    }
)


@dataclass(frozen=True, slots=True)
class SimRequest:
    """A valid data query."""

    data_type: DataType
    document_type: str
    process_type: str | None
    area: Area
    """The area of the series; for flows the sending area (out_Domain)."""
    counterpart: Area | None
    """For flows: the receiving area (in_Domain)."""
    start: datetime
    end: datetime
    psr_type: str | None = None
    sequence: int | None = None
    offset: int = 0
    curve_type: str = "A03"
    simulated: bool = True
    """False for valid queries of products the simulator does not model (intraday prices, ...)."""

    @property
    def eics(self) -> tuple[str, ...]:
        """The domain EICs as the no-data text lists them."""
        if self.counterpart is not None:
            return (self.counterpart.eic, self.area.eic)
        if self.data_type is DataType.DAY_AHEAD_PRICE:
            return (self.area.eic, self.area.eic)
        return (self.area.eic,)


def canonical(query: Mapping[str, str]) -> dict[str, str]:
    """Parameter names in their documented spelling (the API accepts any case), unknown ones refused."""
    params: dict[str, str] = {}
    for name, value in query.items():
        known = _BY_LOWER.get(name.lower())
        if known is None:
            raise InvalidQueryError(texts.unknown_parameter(name))
        params.setdefault(known, value.strip())
    return params


def parse_request(query: Mapping[str, str]) -> SimRequest:
    """Validate the query; InvalidQueryError carries the 400 acknowledgement's text."""
    params = canonical(query)
    document_type = _need(params, "documentType")
    process_type = params.get("processType") or None
    data_type = _data_type(document_type, process_type)
    spec = spec_of(data_type)
    area, counterpart = _areas(spec, params)
    start, end = _period(params, "periodStart"), _period(params, "periodEnd")
    if end <= start:
        raise InvalidQueryError(texts.bad_interval(start, end))
    if end > spec.latest_allowed_end(start):
        raise InvalidQueryError(texts.too_long(data_type, start, end, spec.max_window))
    contract_ok = _price_options(data_type, params)
    return SimRequest(
        data_type=data_type,
        document_type=document_type,
        process_type=process_type,
        area=area,
        counterpart=counterpart,
        start=start,
        end=end,
        psr_type=_psr_type(data_type, params.get("psrType")),
        sequence=_integer(params, SEQUENCE, 1, 99),
        offset=_integer(params, "offset", 0, MAX_OFFSET) or 0,
        curve_type=_curve_type(params.get("curveType")),
        simulated=contract_ok and process_type not in _NOT_SIMULATED_PROCESSES,
    )


def _need(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise InvalidQueryError(texts.missing(name))
    return value


def _data_type(document_type: str, process_type: str | None) -> DataType:
    found = _TYPES.get((document_type, process_type))
    if found is not None:
        return found
    if process_type is None and any(doc == document_type for doc, _ in _TYPES):
        raise InvalidQueryError(texts.missing("processType"))
    raise InvalidQueryError(
        texts.dependency(f"DocumentType {document_type} with ProcessType {process_type or '-'}.")
    )


def _area(params: Mapping[str, str], name: str) -> Area:
    eic = _need(params, name)
    try:
        area = get_area(eic)
    except ValueError:
        raise InvalidQueryError(texts.invalid_area(eic)) from None
    if area.eic != eic:  # short codes such as DE_LU are not EICs
        raise InvalidQueryError(texts.invalid_area(eic))
    return area


def _areas(spec: DataTypeSpec, params: Mapping[str, str]) -> tuple[Area, Area | None]:
    parameter = spec.area_parameter
    if parameter is AreaParameter.OUT_BIDDING_ZONE:
        return _area(params, "outBiddingZone_Domain"), None
    if parameter is AreaParameter.IN_DOMAIN:
        return _area(params, "in_Domain"), None
    receiving, sending = _area(params, "in_Domain"), _area(params, "out_Domain")
    if parameter is AreaParameter.IN_AND_OUT_DOMAIN:
        if receiving.eic != sending.eic:
            raise InvalidQueryError(
                texts.dependency(
                    f"in_Domain and out_Domain must be the same bidding zone for {spec.title}."
                )
            )
        if not receiving.is_bidding_zone:
            raise InvalidQueryError(texts.invalid_area(receiving.eic))
        return receiving, None
    if receiving.eic == sending.eic:
        raise InvalidQueryError(
            texts.dependency(
                f"One of the following parameters is not valid for {spec.title} [{spec.article}]: "
                f"{receiving.eic}, {sending.eic}"
            )
        )
    return sending, receiving


def _period(params: Mapping[str, str], name: str) -> datetime:
    value = _need(params, name)
    if _PERIOD.fullmatch(value) is None:
        raise InvalidQueryError(texts.bad_value(name, value, "yyyyMMddHHmm"))
    try:
        return datetime.strptime(value, "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidQueryError(texts.bad_value(name, value, "yyyyMMddHHmm")) from None


def _psr_type(data_type: DataType, value: str | None) -> str | None:
    if not value:
        return None
    if data_type not in _PSR_FILTERABLE:
        raise InvalidQueryError(
            texts.dependency(f"PsrType cannot be used with {spec_of(data_type).title}.")
        )
    allowed = (
        WIND_SOLAR_PSR_TYPES if data_type is DataType.WIND_SOLAR_FORECAST_DAY_AHEAD else PSR_TYPES
    )
    if value not in allowed:
        raise InvalidQueryError(texts.psr_not_valid(value))
    return value


def _price_options(data_type: DataType, params: Mapping[str, str]) -> bool:
    """Check price-only options; False when they ask for intraday prices (valid, not simulated)."""
    used = [name for name in (CONTRACT, SEQUENCE, "businessType") if params.get(name)]
    if data_type is not DataType.DAY_AHEAD_PRICE:
        if used:
            raise InvalidQueryError(
                texts.dependency(f"{used[0]} cannot be used with {spec_of(data_type).title}.")
            )
        return True
    business = params.get("businessType")
    if business and business != "A62":
        raise InvalidQueryError(texts.dependency(f"BusinessType {business} with DocumentType A44."))
    contract = params.get(CONTRACT) or "A01"
    if contract not in ("A01", "A07"):
        raise InvalidQueryError(
            texts.dependency(f"Contract_MarketAgreement.Type {contract} with DocumentType A44.")
        )
    return contract == "A01"


def _integer(params: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    value = params.get(name)
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise InvalidQueryError(texts.bad_value(name, value, f"an integer from {low} to {high}"))
    return int(value)


def _curve_type(value: str | None) -> str:
    if not value:
        return "A03"
    if value not in ("A01", "A03"):
        raise InvalidQueryError(texts.bad_value("curveType", value, "A01 or A03"))
    return value
