"""Publication_MarketDocument: day-ahead prices (publicationdocument 7:3) and physical flows (7:0)."""

from datetime import datetime

from gridstream.contracts import DataType
from gridstream.entsoe_sim.documents import Document, SeriesData
from gridstream.entsoe_sim.xml_common import domain, header, period

PRICES_NAMESPACE = "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3"
FLOWS_NAMESPACE = "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:0"
_SEQUENCE = "classificationSequence_AttributeInstanceComponent.position"


def render_publication(document: Document, now: datetime) -> bytes:
    """The document as Publication_MarketDocument XML."""
    prices = document.request.data_type is DataType.DAY_AHEAD_PRICE
    namespace = PRICES_NAMESPACE if prices else FLOWS_NAMESPACE
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<Publication_MarketDocument xmlns="{namespace}">',
        *header(document, now, process=False, interval_tag="period.timeInterval"),
    ]
    for number, series in enumerate(document.series, start=1):
        lines += (
            _price_series(number, series, document)
            if prices
            else _flow_series(number, series, document)
        )
    lines.append("</Publication_MarketDocument>")
    return "\n".join(lines).encode()


def _price_series(number: int, series: SeriesData, document: Document) -> list[str]:
    eic = document.request.area.eic
    lines = [
        "  <TimeSeries>",
        f"    <mRID>{number}</mRID>",
        "    <auction.type>A01</auction.type>",
        f"    <businessType>{series.definition.business_type}</businessType>",
        domain("in_Domain.mRID", eic),
        domain("out_Domain.mRID", eic),
        "    <contract_MarketAgreement.type>A01</contract_MarketAgreement.type>",
        "    <currency_Unit.name>EUR</currency_Unit.name>",
        "    <price_Measure_Unit.name>MWH</price_Measure_Unit.name>",
    ]
    if series.definition.sequence is not None:
        lines.append(f"    <{_SEQUENCE}>{series.definition.sequence}</{_SEQUENCE}>")
    lines.append(f"    <curveType>{document.request.curve_type}</curveType>")
    for data in series.periods:
        lines += period(data, "price.amount", document.request.curve_type)
    lines.append("  </TimeSeries>")
    return lines


def _flow_series(number: int, series: SeriesData, document: Document) -> list[str]:
    request = document.request
    receiving = request.counterpart.eic if request.counterpart is not None else request.area.eic
    lines = [
        "  <TimeSeries>",
        f"    <mRID>{number}</mRID>",
        f"    <businessType>{series.definition.business_type}</businessType>",
        domain("in_Domain.mRID", receiving),
        domain("out_Domain.mRID", request.area.eic),
        "    <quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>",
        f"    <curveType>{request.curve_type}</curveType>",
    ]
    for data in series.periods:
        lines += period(data, "quantity", request.curve_type)
    lines.append("  </TimeSeries>")
    return lines
