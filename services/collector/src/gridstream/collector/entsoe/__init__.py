"""The collector's ENTSO-E boundary: parsing Transparency Platform response bodies."""

from gridstream.collector.entsoe.documents import (
    DocumentKind,
    ParsedDocument,
    ParsedPoint,
    ParsedSeries,
    Stretch,
)
from gridstream.collector.entsoe.parse_errors import ParseError
from gridstream.collector.entsoe.parser import parse_document

__all__ = [
    "DocumentKind",
    "ParseError",
    "ParsedDocument",
    "ParsedPoint",
    "ParsedSeries",
    "Stretch",
    "parse_document",
]
