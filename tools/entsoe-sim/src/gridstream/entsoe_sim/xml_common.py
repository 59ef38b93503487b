"""Shared pieces of the market documents: header, number and time formats, Periods with A03 compression."""

from datetime import datetime

from gridstream.entsoe_sim.documents import Document, PeriodData

PLATFORM_EIC = "10X1001A1001A450"
"""The Transparency Platform, sender (role A32) and receiver of every document."""


def instant(ts: datetime) -> str:
    """A Period bound as ENTSO-E writes it: 2024-09-01T22:00Z."""
    return ts.strftime("%Y-%m-%dT%H:%MZ")


def created(ts: datetime) -> str:
    """A createdDateTime: 2026-05-07T10:12:20Z."""
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def number(value: float) -> str:
    """A quantity or price: at most two decimals, no trailing zeros (12156.45, 11434.4, 0)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def header(document: Document, now: datetime, *, process: bool, interval_tag: str) -> list[str]:
    """The document header up to and including the covered time interval."""
    request = document.request
    lines = [
        f"  <mRID>{document.mrid}</mRID>",
        f"  <revisionNumber>{document.revision}</revisionNumber>",
        f"  <type>{request.document_type}</type>",
    ]
    if process and request.process_type is not None:
        lines.append(f"  <process.processType>{request.process_type}</process.processType>")
    lines += [
        f'  <sender_MarketParticipant.mRID codingScheme="A01">{PLATFORM_EIC}</sender_MarketParticipant.mRID>',
        "  <sender_MarketParticipant.marketRole.type>A32</sender_MarketParticipant.marketRole.type>",
        f'  <receiver_MarketParticipant.mRID codingScheme="A01">{PLATFORM_EIC}'
        "</receiver_MarketParticipant.mRID>",
        "  <receiver_MarketParticipant.marketRole.type>A33</receiver_MarketParticipant.marketRole.type>",
        f"  <createdDateTime>{created(now)}</createdDateTime>",
        f"  <{interval_tag}>",
        f"    <start>{instant(document.start)}</start>",
        f"    <end>{instant(document.end)}</end>",
        f"  </{interval_tag}>",
    ]
    return lines


def domain(tag: str, eic: str, indent: str = "    ") -> str:
    """A domain element with the EIC coding scheme."""
    return f'{indent}<{tag} codingScheme="A01">{eic}</{tag}>'


def period(data: PeriodData, value_tag: str, curve_type: str) -> list[str]:
    """One Period; with curve A03 a Point is sent only where the value changes."""
    lines = [
        "    <Period>",
        "      <timeInterval>",
        f"        <start>{instant(data.start)}</start>",
        f"        <end>{instant(data.end)}</end>",
        "      </timeInterval>",
        f"      <resolution>{data.resolution.value}</resolution>",
    ]
    compress = curve_type == "A03"
    previous: str | None = None
    for position, value in enumerate(data.values, start=1):
        text = number(value)
        if compress and text == previous:
            continue
        previous = text
        lines += [
            "      <Point>",
            f"        <position>{position}</position>",
            f"        <{value_tag}>{text}</{value_tag}>",
            "      </Point>",
        ]
    lines.append("    </Period>")
    return lines
