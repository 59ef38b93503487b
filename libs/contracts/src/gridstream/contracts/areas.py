"""The ENTSO-E area registry: short code, EIC, name, time zone and role of every area gridstream knows."""

import difflib
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator

from gridstream.contracts.errors import UnknownAreaError


class AreaRole(StrEnum):
    """What an area is on the Transparency Platform."""

    BIDDING_ZONE = "BZN"
    CONTROL_AREA = "CTA"
    COUNTRY = "CTY"


@dataclass(frozen=True, slots=True)
class Area:
    """One ENTSO-E area."""

    code: str
    eic: str
    name: str
    tz: str
    roles: frozenset[AreaRole]

    @property
    def is_bidding_zone(self) -> bool:
        """True when the area has its own day-ahead price."""
        return AreaRole.BIDDING_ZONE in self.roles


_B, _C, _Y = AreaRole.BIDDING_ZONE, AreaRole.CONTROL_AREA, AreaRole.COUNTRY
_BC = frozenset({_B, _C})

# (code, EIC, name, IANA time zone, roles); EICs from ENTSO-E's area list as mapped by entsoe-py.
_TABLE: tuple[tuple[str, str, str, str, frozenset[AreaRole]], ...] = (
    ("AL", "10YAL-KESH-----5", "Albania", "Europe/Tirane", _BC),
    ("AT", "10YAT-APG------L", "Austria", "Europe/Vienna", _BC),
    ("BA", "10YBA-JPCC-----D", "Bosnia and Herzegovina", "Europe/Sarajevo", _BC),
    ("BE", "10YBE----------2", "Belgium", "Europe/Brussels", _BC),
    ("BG", "10YCA-BULGARIA-R", "Bulgaria", "Europe/Sofia", _BC),
    ("CH", "10YCH-SWISSGRIDZ", "Switzerland", "Europe/Zurich", _BC),
    ("CY", "10YCY-1001A0003J", "Cyprus", "Asia/Nicosia", _BC),
    ("CZ", "10YCZ-CEPS-----N", "Czech Republic", "Europe/Prague", _BC),
    ("DE", "10Y1001A1001A83F", "Germany", "Europe/Berlin", frozenset({_Y})),
    ("DE_LU", "10Y1001A1001A82H", "Germany-Luxembourg", "Europe/Berlin", frozenset({_B})),
    (
        "DE_AT_LU",
        "10Y1001A1001A63L",
        "Germany-Austria-Luxembourg (until 2018-10-01)",
        "Europe/Berlin",
        frozenset({_B}),
    ),
    ("DE_50HZ", "10YDE-VE-------2", "50Hertz control area", "Europe/Berlin", frozenset({_C})),
    ("DE_AMPRION", "10YDE-RWENET---I", "Amprion control area", "Europe/Berlin", frozenset({_C})),
    (
        "DE_TENNET",
        "10YDE-EON------1",
        "TenneT Germany control area",
        "Europe/Berlin",
        frozenset({_C}),
    ),
    (
        "DE_TRANSNET",
        "10YDE-ENBW-----N",
        "TransnetBW control area",
        "Europe/Berlin",
        frozenset({_C}),
    ),
    ("DK", "10Y1001A1001A65H", "Denmark", "Europe/Copenhagen", frozenset({_Y})),
    ("DK_1", "10YDK-1--------W", "Denmark West (DK1)", "Europe/Copenhagen", frozenset({_B})),
    ("DK_2", "10YDK-2--------M", "Denmark East (DK2)", "Europe/Copenhagen", frozenset({_B})),
    ("DK_CA", "10Y1001A1001A796", "Energinet control area", "Europe/Copenhagen", frozenset({_C})),
    ("EE", "10Y1001A1001A39I", "Estonia", "Europe/Tallinn", _BC),
    ("ES", "10YES-REE------0", "Spain", "Europe/Madrid", _BC),
    ("FI", "10YFI-1--------U", "Finland", "Europe/Helsinki", _BC),
    ("FR", "10YFR-RTE------C", "France", "Europe/Paris", _BC),
    ("GB", "10YGB----------A", "Great Britain", "Europe/London", _BC),
    ("GR", "10YGR-HTSO-----Y", "Greece", "Europe/Athens", _BC),
    ("HR", "10YHR-HEP------M", "Croatia", "Europe/Zagreb", _BC),
    ("HU", "10YHU-MAVIR----U", "Hungary", "Europe/Budapest", _BC),
    ("IE", "10YIE-1001A00010", "Ireland (EirGrid control area)", "Europe/Dublin", frozenset({_C})),
    (
        "IE_SEM",
        "10Y1001A1001A59C",
        "Ireland and Northern Ireland (SEM)",
        "Europe/Dublin",
        frozenset({_B}),
    ),
    ("IT", "10YIT-GRTN-----B", "Italy", "Europe/Rome", frozenset({_C, _Y})),
    ("IT_NORD", "10Y1001A1001A73I", "Italy North", "Europe/Rome", frozenset({_B})),
    ("IT_CNOR", "10Y1001A1001A70O", "Italy Centre-North", "Europe/Rome", frozenset({_B})),
    ("IT_CSUD", "10Y1001A1001A71M", "Italy Centre-South", "Europe/Rome", frozenset({_B})),
    ("IT_SUD", "10Y1001A1001A788", "Italy South", "Europe/Rome", frozenset({_B})),
    ("IT_CALA", "10Y1001C--00096J", "Italy Calabria", "Europe/Rome", frozenset({_B})),
    ("IT_SICI", "10Y1001A1001A75E", "Italy Sicily", "Europe/Rome", frozenset({_B})),
    ("IT_SARD", "10Y1001A1001A74G", "Italy Sardinia", "Europe/Rome", frozenset({_B})),
    ("LT", "10YLT-1001A0008Q", "Lithuania", "Europe/Vilnius", _BC),
    (
        "LU",
        "10YLU-CEGEDEL-NQ",
        "Luxembourg (Creos control area)",
        "Europe/Luxembourg",
        frozenset({_C}),
    ),
    ("LV", "10YLV-1001A00074", "Latvia", "Europe/Riga", _BC),
    ("ME", "10YCS-CG-TSO---S", "Montenegro", "Europe/Podgorica", _BC),
    ("MK", "10YMK-MEPSO----8", "North Macedonia", "Europe/Skopje", _BC),
    ("MT", "10Y1001A1001A93C", "Malta", "Europe/Malta", _BC),
    (
        "NIE",
        "10Y1001A1001A016",
        "Northern Ireland (SONI control area)",
        "Europe/Belfast",
        frozenset({_C}),
    ),
    ("NL", "10YNL----------L", "Netherlands", "Europe/Amsterdam", _BC),
    ("NO", "10YNO-0--------C", "Norway", "Europe/Oslo", frozenset({_C, _Y})),
    ("NO_1", "10YNO-1--------2", "Norway NO1 (Oslo)", "Europe/Oslo", frozenset({_B})),
    ("NO_2", "10YNO-2--------T", "Norway NO2 (Kristiansand)", "Europe/Oslo", frozenset({_B})),
    ("NO_3", "10YNO-3--------J", "Norway NO3 (Trondheim)", "Europe/Oslo", frozenset({_B})),
    ("NO_4", "10YNO-4--------9", "Norway NO4 (Tromsø)", "Europe/Oslo", frozenset({_B})),
    ("NO_5", "10Y1001A1001A48H", "Norway NO5 (Bergen)", "Europe/Oslo", frozenset({_B})),
    ("PL", "10YPL-AREA-----S", "Poland", "Europe/Warsaw", _BC),
    ("PT", "10YPT-REN------W", "Portugal", "Europe/Lisbon", _BC),
    ("RO", "10YRO-TEL------P", "Romania", "Europe/Bucharest", _BC),
    ("RS", "10YCS-SERBIATSOV", "Serbia", "Europe/Belgrade", _BC),
    ("SE", "10YSE-1--------K", "Sweden", "Europe/Stockholm", frozenset({_C, _Y})),
    ("SE_1", "10Y1001A1001A44P", "Sweden SE1 (Luleå)", "Europe/Stockholm", frozenset({_B})),
    ("SE_2", "10Y1001A1001A45N", "Sweden SE2 (Sundsvall)", "Europe/Stockholm", frozenset({_B})),
    ("SE_3", "10Y1001A1001A46L", "Sweden SE3 (Stockholm)", "Europe/Stockholm", frozenset({_B})),
    ("SE_4", "10Y1001A1001A47J", "Sweden SE4 (Malmö)", "Europe/Stockholm", frozenset({_B})),
    ("SI", "10YSI-ELES-----O", "Slovenia", "Europe/Ljubljana", _BC),
    ("SK", "10YSK-SEPS-----K", "Slovakia", "Europe/Bratislava", _BC),
    ("XK", "10Y1001C--00100H", "Kosovo", "Europe/Belgrade", _BC),
)

AREAS: dict[str, Area] = {row[0]: Area(*row) for row in _TABLE}
_BY_EIC: dict[str, Area] = {area.eic: area for area in AREAS.values()}


def get_area(code_or_eic: str) -> Area:
    """Find an area by short code (any case, `-` or `_`) or by EIC; raise UnknownAreaError otherwise."""
    key = code_or_eic.strip()
    if key in _BY_EIC:
        return _BY_EIC[key]
    normalised = key.upper().replace("-", "_")
    if normalised in AREAS:
        return AREAS[normalised]
    raise UnknownAreaError(_unknown_message(code_or_eic))


def _unknown_message(value: str) -> str:
    candidates = list(AREAS) + list(_BY_EIC)
    close = difflib.get_close_matches(value.upper().replace("-", "_"), candidates, n=3, cutoff=0.5)
    hint = (
        f"; did you mean {', '.join(close)}?" if close else "; see `gridstream areas` for the list"
    )
    return f"unknown area {value!r}{hint}"


def _validate_area_code(value: str) -> str:
    return get_area(value).code


AreaCode = Annotated[str, AfterValidator(_validate_area_code)]
"""A field type that accepts a short code or EIC and stores the canonical short code."""
