"""Hardened, streaming lxml reading of ENTSO-E bodies: size limit, no DTD, no entities, no network."""

import io
import re
from collections.abc import Iterator
from typing import Literal

from lxml import etree

from gridstream.collector.entsoe.parse_errors import ParseError

SUPPORTED_ROOTS: frozenset[str] = frozenset(
    {"GL_MarketDocument", "Publication_MarketDocument", "Acknowledgement_MarketDocument"}
)
_TIMESERIES = "TimeSeries"
# `{*}` matches any namespace: the namespace version changes (7:0 -> 7:3) and must not matter.
_WATCHED = tuple(f"{{*}}{name}" for name in (*sorted(SUPPORTED_ROOTS), _TIMESERIES))
_LINE_SUFFIX = re.compile(r",? line \d+, column \d+$")

Event = tuple[Literal["root", "timeseries"], etree._Element]


def line_of(element: etree._Element) -> int | None:
    """The element's line in the document, for error messages."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def local_name(tag: object) -> str:
    """The tag without its `{namespace}` prefix ('' for comments and other non-element nodes)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def iter_document(data: bytes, max_bytes: int) -> Iterator[Event]:
    """Yield ("root", root) once, then ("timeseries", element) for each complete TimeSeries.

    Parsing is incremental and each TimeSeries is dropped from the tree once the caller resumes, so the
    tree never holds more than the header and one TimeSeries. Anything unsafe or malformed raises
    ParseError: a body over `max_bytes`, a DOCTYPE (entity bombs, external entities), bad XML, or a root
    element that is not an ENTSO-E document gridstream reads.
    """
    if len(data) > max_bytes:
        raise ParseError(f"document is {len(data)} bytes, more than the limit of {max_bytes} bytes")
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        tag=_WATCHED,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=True,
    )
    root: etree._Element | None = None
    try:
        for event, element in events:
            if root is None:
                root = _checked_root(element)
                yield "root", root
            if event == "end" and local_name(element.tag) == _TIMESERIES:
                yield "timeseries", element
                _drop_previous_timeseries(element)
        if root is None:
            yield "root", _checked_root(events.root)
    except etree.XMLSyntaxError as exc:
        raise ParseError(_syntax_message(exc, events.error_log)) from None
    except etree.LxmlError as exc:
        raise ParseError(f"cannot read the document as XML: {exc}") from None


def _checked_root(element: etree._Element) -> etree._Element:
    tree = element.getroottree()
    docinfo = tree.docinfo
    # lxml-stubs lack DocInfo.doctype; it is '' when the document has no DOCTYPE.
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        raise ParseError(
            "document has a DOCTYPE declaration; ENTSO-E documents have none and DTDs are refused "
            "(entity expansion and external entities are a denial-of-service and disclosure risk)"
        )
    root = tree.getroot()
    name = local_name(root.tag)
    if name not in SUPPORTED_ROOTS:
        expected = ", ".join(sorted(SUPPORTED_ROOTS))
        raise ParseError(f"unsupported root element {name!r} (expected one of: {expected})")
    return root


def _drop_previous_timeseries(element: etree._Element) -> None:
    # Keep memory bounded by one TimeSeries; the header elements before the first one stay.
    element.clear()
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    while previous is not None and previous.tag == element.tag:
        parent.remove(previous)
        previous = element.getprevious()


def _syntax_message(exc: etree.XMLSyntaxError, log: etree._ListErrorLog) -> str:
    # The parser's own log holds the first real error; the exception may only say "no element found".
    first = next(iter(log.filter_from_errors()), None)
    if first is not None:
        line, column, reason = first.line, first.column, first.message
    elif exc.position and exc.position != (0, 0):
        (line, column), reason = exc.position, _LINE_SUFFIX.sub("", str(exc.msg or exc))
    else:
        line, column, reason = 1, 0, "the document is empty or has no root element"
    return f"malformed or truncated XML at line {line}, column {column}: {reason.strip()}"
