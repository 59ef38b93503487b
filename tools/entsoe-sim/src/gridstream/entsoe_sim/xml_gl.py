"""GL_MarketDocument (generationloaddocument 3:0): load, forecasts, margin, generation, capacity."""

from datetime import datetime

from gridstream.entsoe_sim.documents import Document, SeriesData
from gridstream.entsoe_sim.xml_common import domain, header, period

GL_NAMESPACE = "urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"


def render_gl(document: Document, now: datetime) -> bytes:
    """The document as GL_MarketDocument XML."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<GL_MarketDocument xmlns="{GL_NAMESPACE}">',
        *header(document, now, process=True, interval_tag="time_Period.timeInterval"),
    ]
    for number, series in enumerate(document.series, start=1):
        lines += _time_series(number, series, document)
    lines.append("</GL_MarketDocument>")
    return "\n".join(lines).encode()


def _time_series(number: int, series: SeriesData, document: Document) -> list[str]:
    definition = series.definition
    lines = [
        "  <TimeSeries>",
        f"    <mRID>{number}</mRID>",
        f"    <businessType>{definition.business_type}</businessType>",
        f"    <objectAggregation>{definition.object_aggregation}</objectAggregation>",
        domain(definition.domain.value, document.request.area.eic),
        "    <quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>",
        f"    <curveType>{document.request.curve_type}</curveType>",
    ]
    if definition.psr_type is not None:
        lines += [
            "    <MktPSRType>",
            f"      <psrType>{definition.psr_type}</psrType>",
            "    </MktPSRType>",
        ]
    for data in series.periods:
        lines += period(data, "quantity", document.request.curve_type)
    lines.append("  </TimeSeries>")
    return lines
