"""Builders of small inline ENTSO-E documents for the parser tests."""

from datetime import UTC, datetime

GL_NS = "urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"
PUB_NS = "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3"
NL = "10YNL----------L"
DE_LU = "10Y1001A1001A82H"

Point = tuple[int, str | None]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def period(
    start: str, end: str, resolution: str, points: list[Point], value: str = "quantity"
) -> str:
    body = "".join(
        f"<Point><position>{pos}</position></Point>"
        if val is None
        else f"<Point><position>{pos}</position><{value}>{val}</{value}></Point>"
        for pos, val in points
    )
    return (
        f"<Period><timeInterval><start>{start}</start><end>{end}</end></timeInterval>"
        f"<resolution>{resolution}</resolution>{body}</Period>"
    )


def timeseries(fields: dict[str, str], periods: list[str], psr: str | None = None) -> str:
    header = "".join(f"<{name}>{text}</{name}>" for name, text in fields.items())
    psr_xml = f"<MktPSRType><psrType>{psr}</psrType></MktPSRType>" if psr else ""
    return f"<TimeSeries><mRID>1</mRID>{header}{psr_xml}{''.join(periods)}</TimeSeries>"


def load_fields(curve: str = "A03", area: str = NL, business: str = "A04") -> dict[str, str]:
    return {
        "businessType": business,
        "outBiddingZone_Domain.mRID": area,
        "quantity_Measure_Unit.name": "MAW",
        "curveType": curve,
    }


def gl(series: list[str], doc_type: str = "A65", process: str = "A16", ns: str = GL_NS) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><GL_MarketDocument xmlns="{ns}">'
        f"<mRID>abc</mRID><revisionNumber>2</revisionNumber><type>{doc_type}</type>"
        f"<process.processType>{process}</process.processType>"
        f"<createdDateTime>2024-06-15T10:00:00Z</createdDateTime>"
        f"<time_Period.timeInterval><start>2024-06-14T22:00Z</start><end>2024-06-15T22:00Z</end>"
        f"</time_Period.timeInterval>{''.join(series)}</GL_MarketDocument>"
    ).encode()
