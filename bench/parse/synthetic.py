"""A synthetic, valid GL A75 document: N production types x D days of quarter-hour A01 points."""

import random
from datetime import UTC, datetime, timedelta

NAMESPACE = "urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"
DE_LU = "10Y1001A1001A82H"
PSR_TYPES = [f"B{n:02d}" for n in range(1, 21)]
START = datetime(2023, 12, 31, 23, 0, tzinfo=UTC)


def _stamp(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%MZ")


def _timeseries(index: int, psr: str, slots: int, end: datetime, rng: random.Random) -> list[str]:
    lines = [
        "  <TimeSeries>",
        f"    <mRID>{index}</mRID>",
        "    <businessType>A01</businessType>",
        "    <objectAggregation>A08</objectAggregation>",
        f'    <inBiddingZone_Domain.mRID codingScheme="A01">{DE_LU}</inBiddingZone_Domain.mRID>',
        "    <quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>",
        "    <curveType>A01</curveType>",
        f"    <MktPSRType><psrType>{psr}</psrType></MktPSRType>",
        "    <Period>",
        f"      <timeInterval><start>{_stamp(START)}</start><end>{_stamp(end)}</end></timeInterval>",
        "      <resolution>PT15M</resolution>",
    ]
    level = rng.uniform(100, 20_000)
    for position in range(1, slots + 1):
        level = max(0.0, level + rng.uniform(-150, 150))
        lines.append(
            f"      <Point><position>{position}</position><quantity>{level:.2f}</quantity></Point>"
        )
    lines += ["    </Period>", "  </TimeSeries>"]
    return lines


def generation_document(days: int, series: int = 20, seed: int = 1) -> bytes:
    """Actual generation for DE_LU from 2023-12-31T23:00Z: `series` psrTypes, every slot sent (A01)."""
    if not 1 <= series <= len(PSR_TYPES):
        raise ValueError(f"series must be between 1 and {len(PSR_TYPES)}")
    rng = random.Random(seed)
    slots = days * 96
    end = START + timedelta(minutes=15 * slots)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<GL_MarketDocument xmlns="{NAMESPACE}">',
        f"  <mRID>{rng.getrandbits(128):032x}</mRID>",
        "  <revisionNumber>1</revisionNumber>",
        "  <type>A75</type>",
        "  <process.processType>A16</process.processType>",
        "  <createdDateTime>2024-04-01T00:00:00Z</createdDateTime>",
        "  <time_Period.timeInterval>",
        f"    <start>{_stamp(START)}</start>",
        f"    <end>{_stamp(end)}</end>",
        "  </time_Period.timeInterval>",
    ]
    for index, psr in enumerate(PSR_TYPES[:series], start=1):
        lines += _timeseries(index, psr, slots, end, rng)
    lines.append("</GL_MarketDocument>")
    return "\n".join(lines).encode()
