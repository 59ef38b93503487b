"""The parser's result types: a document, its series and their stretches of fully expanded points."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from gridstream.contracts import DataType, Resolution, SeriesKey

DocumentKind = Literal["data", "no_data", "error"]
"""`data`: a market document; `no_data`: an acknowledgement saying nothing matched; `error`: any other one."""

ParsedPoint = tuple[datetime, float | None]
"""One slot: its UTC start and its value; None when the Point carried no value (never 0)."""


@dataclass(frozen=True, slots=True)
class Stretch:
    """The points of one ENTSO-E Period, expanded to one point per slot that has data.

    A03 curves are forward-filled from the first Point to the Period's end. A01 curves carry only the
    positions that were sent, so a hole in an A01 curve shows up as missing slots, never as a value.
    """

    resolution: Resolution
    start: datetime
    end: datetime
    points: list[ParsedPoint]


@dataclass(frozen=True, slots=True)
class ParsedSeries:
    """Every TimeSeries of one document that share a SeriesKey, merged; stretches sorted by start."""

    key: SeriesKey
    unit: str
    stretches: list[Stretch]

    def points(self) -> Iterator[ParsedPoint]:
        """All points of all stretches in time order."""
        for stretch in self.stretches:
            yield from stretch.points


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """One parsed ENTSO-E response body: header, acknowledgement reason or data series."""

    kind: DocumentKind
    root: str
    """Local name of the root element, e.g. GL_MarketDocument."""
    mrid: str | None = None
    revision_number: int | None = None
    document_type: str | None = None
    process_type: str | None = None
    created: datetime | None = None
    interval: tuple[datetime, datetime] | None = None
    """The document's time interval (time_Period or period.timeInterval), when it has one."""
    data_type: DataType | None = None
    reason_code: str | None = None
    reason_text: str | None = None
    series: list[ParsedSeries] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Why TimeSeries were left out on purpose (e.g. intraday prices inside a day-ahead answer)."""
