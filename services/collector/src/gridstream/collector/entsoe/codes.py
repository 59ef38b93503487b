"""ENTSO-E code tables the parser needs: document/process types, curve types, resolutions and units."""

from gridstream.collector.entsoe.parse_errors import ParseError
from gridstream.contracts import DOCUMENT_TYPES, DataType, Resolution, data_type_for

GL = "GL_MarketDocument"
PUBLICATION = "Publication_MarketDocument"
ACKNOWLEDGEMENT = "Acknowledgement_MarketDocument"

_ROOT_OF: dict[str, str] = {"A44": PUBLICATION, "A11": PUBLICATION}

MIN_MAX_QUALIFIERS: dict[str, str] = {"A60": "min", "A61": "max"}
SOLAR_BUSINESS_TYPE = "A94"
SOLAR_PSR_TYPE = "B16"
PRICE_CONTRACT_DAY_AHEAD = "A01"
NO_DATA_TEXT = "no matching data found"

CURVE_SEQUENTIAL = "A01"
CURVE_VARIABLE_BLOCKS = "A03"
_CURVES = frozenset({CURVE_SEQUENTIAL, CURVE_VARIABLE_BLOCKS})

# ISO 8601 spellings that mean the same as one of ENTSO-E's resolutions.
_RESOLUTION_ALIASES: dict[str, Resolution] = {"PT1H": Resolution.PT60M, "P1W": Resolution.P7D}
_RESOLUTIONS: dict[str, Resolution] = {r.value: r for r in Resolution} | _RESOLUTION_ALIASES

_UNITS: dict[str, str] = {"MAW": "MW", "MWH": "MWh", "KWT": "kW", "KWH": "kWh", "GWH": "GWh"}


def data_type_of(root: str, document_type: str | None, process_type: str | None) -> DataType:
    """The data type of a market document, from its type and process type; ParseError if unsupported."""
    if document_type is None:
        raise ParseError(f"{root} has no <type> element, so its data type is unknown")
    data_type = data_type_for(document_type, process_type)
    if data_type is None:
        known = ", ".join(f"{d}/{p or '-'}" for d, p in DOCUMENT_TYPES)
        raise ParseError(
            f"unsupported document type {document_type!r} with process type {process_type!r} "
            f"(supported type/process pairs: {known})"
        )
    expected_root = _ROOT_OF.get(document_type, GL)
    if root != expected_root:
        raise ParseError(
            f"document type {document_type} must come in a {expected_root}, not {root}"
        )
    return data_type


def curve_type(value: str | None) -> str:
    """The curve type, A01 when absent (the ENTSO-E default); ParseError for curves not supported."""
    if value is None or value == "":
        return CURVE_SEQUENTIAL
    if value not in _CURVES:
        raise ParseError(f"unsupported curveType {value!r} (supported: A01, A03)")
    return value


def resolution(value: str | None, line: int | None) -> Resolution:
    """The Resolution of a Period's `resolution` text; ParseError naming unknown ones."""
    found = _RESOLUTIONS.get((value or "").strip())
    if found is None:
        known = ", ".join(r.value for r in Resolution)
        raise ParseError(f"unsupported resolution {value!r} at line {line} (supported: {known})")
    return found


def quantity_unit(value: str) -> str:
    """gridstream's unit for a `quantity_Measure_Unit.name` (MAW -> MW); unknown codes pass unchanged."""
    return _UNITS.get(value, value)


def price_unit(currency: str, measure: str) -> str:
    """The unit of a price series from currency and price measure unit, e.g. EUR + MWH -> EUR/MWh."""
    return f"{currency}/{_UNITS.get(measure, measure)}"
