"""Naming a TimeSeries: its SeriesKey (area, data type, qualifier) and unit, from its header fields."""

from dataclasses import dataclass

from gridstream.collector.entsoe import codes
from gridstream.collector.entsoe.fields import parse_int
from gridstream.collector.entsoe.parse_errors import ParseError
from gridstream.contracts import DataType, SeriesKey, get_area
from gridstream.contracts.series import CONSUMPTION_SUFFIX, FLOW_PREFIX, WIND_SOLAR_PSR_TYPES

_LOAD_TYPES = frozenset(
    {
        DataType.ACTUAL_LOAD,
        DataType.LOAD_FORECAST_DAY_AHEAD,
        DataType.LOAD_FORECAST_WEEK_AHEAD,
        DataType.LOAD_FORECAST_MONTH_AHEAD,
        DataType.LOAD_FORECAST_YEAR_AHEAD,
        DataType.FORECAST_MARGIN_YEAR_AHEAD,
    }
)
_MIN_MAX_TYPES = frozenset(
    {
        DataType.LOAD_FORECAST_WEEK_AHEAD,
        DataType.LOAD_FORECAST_MONTH_AHEAD,
        DataType.LOAD_FORECAST_YEAR_AHEAD,
    }
)
_SEQUENCE = "classificationSequence_AttributeInstanceComponent.position"


@dataclass(frozen=True, slots=True)
class SeriesHeader:
    """What the parser read from one TimeSeries before its Periods."""

    fields: dict[str, str]
    """Local element name -> stripped text of the TimeSeries' direct children."""
    psr_type: str | None
    line: int | None

    def get(self, name: str) -> str | None:
        """A field's text, None when absent or empty."""
        return self.fields.get(name) or None

    def need(self, name: str) -> str:
        """A field's text; ParseError when the TimeSeries lacks it."""
        value = self.get(name)
        if value is None:
            raise ParseError(f"TimeSeries at line {self.line} has no {name}")
        return value


def skip_reason(data_type: DataType, header: SeriesHeader) -> str | None:
    """Why a TimeSeries does not belong to the data type asked for (then it is skipped), else None."""
    if data_type is DataType.DAY_AHEAD_PRICE:
        contract = header.get("contract_MarketAgreement.type")
        if contract not in (None, codes.PRICE_CONTRACT_DAY_AHEAD):
            return (
                f"TimeSeries at line {header.line}: contract_MarketAgreement.type {contract} "
                "is not day-ahead (A01)"
            )
    return None


KeyCache = dict[tuple[str, DataType, str], SeriesKey]


def identify(data_type: DataType, header: SeriesHeader, cache: KeyCache) -> tuple[SeriesKey, str]:
    """The SeriesKey and unit of one TimeSeries of a document of `data_type`.

    `cache` (one per document) saves validating the same key again for every TimeSeries that has it.
    """
    if data_type is DataType.DAY_AHEAD_PRICE:
        area = header.need("in_Domain.mRID")
        qualifier = _price_qualifier(header)
        unit = codes.price_unit(
            header.need("currency_Unit.name"), header.need("price_Measure_Unit.name")
        )
    else:
        unit = codes.quantity_unit(header.need("quantity_Measure_Unit.name"))
        area, qualifier = _area_and_qualifier(data_type, header)
    identity = (_area_code(area, header), data_type, qualifier)
    key = cache.get(identity)
    if key is None:
        try:
            key = SeriesKey(area=identity[0], data_type=data_type, qualifier=qualifier)
        except ValueError as exc:
            raise ParseError(f"TimeSeries at line {header.line}: {exc}") from None
        cache[identity] = key
    return key, unit


def _area_and_qualifier(data_type: DataType, header: SeriesHeader) -> tuple[str, str]:
    if data_type is DataType.CROSSBORDER_FLOW:
        receiving = _area_code(header.need("in_Domain.mRID"), header)
        return header.need("out_Domain.mRID"), FLOW_PREFIX + receiving
    if data_type in _LOAD_TYPES:
        qualifier = ""
        if data_type in _MIN_MAX_TYPES:
            qualifier = codes.MIN_MAX_QUALIFIERS.get(header.get("businessType") or "", "")
        return header.need("outBiddingZone_Domain.mRID"), qualifier
    # Generation family: an outBiddingZone series is consumption (e.g. pumped-storage pumping).
    consumption = header.get("outBiddingZone_Domain.mRID")
    area = consumption or header.need("inBiddingZone_Domain.mRID")
    if data_type is DataType.GENERATION_FORECAST_DAY_AHEAD:
        return area, "consumption" if consumption else ""
    psr = _psr_type(data_type, header)
    return area, psr + CONSUMPTION_SUFFIX if consumption else psr


def _psr_type(data_type: DataType, header: SeriesHeader) -> str:
    psr = header.psr_type
    # Solar (A94) has one production type; wind (A93) could be on- or offshore, so it needs one.
    solar = header.get("businessType") == codes.SOLAR_BUSINESS_TYPE
    if psr is None and data_type is DataType.WIND_SOLAR_FORECAST_DAY_AHEAD and solar:
        psr = codes.SOLAR_PSR_TYPE
    if psr is None:
        raise ParseError(
            f"TimeSeries at line {header.line} of {data_type} has no MktPSRType/psrType"
        )
    if data_type is DataType.WIND_SOLAR_FORECAST_DAY_AHEAD and psr not in WIND_SOLAR_PSR_TYPES:
        raise ParseError(
            f"TimeSeries at line {header.line}: psrType {psr} is not wind or solar (B16, B18, B19)"
        )
    return psr


def _price_qualifier(header: SeriesHeader) -> str:
    # Sequence 1 (or none) is the SDAC price; others, e.g. EXAA's 2 for DE_LU and AT, are kept apart.
    text = header.get(_SEQUENCE)
    if text is None:
        return ""
    sequence = parse_int(text, "price sequence", header.line)
    return "" if sequence == 1 else f"seq{sequence}"


def _area_code(eic: str, header: SeriesHeader) -> str:
    try:
        return get_area(eic).code
    except ValueError:
        raise ParseError(
            f"unknown area EIC {eic!r} in TimeSeries at line {header.line} (not in the area registry)"
        ) from None
