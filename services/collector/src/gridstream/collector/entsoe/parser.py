"""parse_document: an ENTSO-E response body in, a ParsedDocument of fully expanded series out."""

from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from gridstream.collector.entsoe import codes
from gridstream.collector.entsoe.documents import ParsedDocument
from gridstream.collector.entsoe.fields import parse_int, parse_utc
from gridstream.collector.entsoe.keys import KeyCache, SeriesHeader, identify, skip_reason
from gridstream.collector.entsoe.merge import SeriesCollector
from gridstream.collector.entsoe.parse_errors import ParseError
from gridstream.collector.entsoe.periods import PeriodExpander, PeriodTags
from gridstream.collector.entsoe.xmlsafe import iter_document, line_of, local_name
from gridstream.contracts import DataType

DEFAULT_MAX_BYTES = 50 * 2**20
DEFAULT_MAX_POINTS = 5_000_000
_INTERVALS = ("time_Period.timeInterval", "period.timeInterval")


def parse_document(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_points: int = DEFAULT_MAX_POINTS
) -> ParsedDocument:
    """Parse one ENTSO-E response body; ParseError for anything malformed, unsafe or unsupported.

    The root element decides the kind: an Acknowledgement_MarketDocument is `no_data` when its reason text
    says no matching data was found (ENTSO-E uses code 999 for errors too, so the text decides) and
    `error` otherwise; GL_ and Publication_MarketDocuments are `data`. `max_points` bounds how many points
    the document may expand to, since A03 lets a tiny body describe a huge series.
    """
    events = iter_document(data, max_bytes)
    _, root = next(events)
    if local_name(root.tag) == codes.ACKNOWLEDGEMENT:
        for _ in events:
            pass  # reading to the end checks that the acknowledgement is well-formed
        return _acknowledgement(root)
    reader: _SeriesReader | None = None
    for _, timeseries in events:
        if reader is None:
            reader = _SeriesReader(_header(root), PeriodExpander(max_points))
        reader.add(timeseries)
    if reader is None:
        reader = _SeriesReader(_header(root), PeriodExpander(max_points))
    return reader.document()


@dataclass(frozen=True, slots=True)
class _Header:
    root: str
    fields: dict[str, etree._Element]
    data_type: DataType


def _header(root: etree._Element) -> _Header:
    # Header elements precede the first TimeSeries, which is where this is called.
    fields: dict[str, etree._Element] = {}
    for child in root:
        name = local_name(child.tag)
        if name == "TimeSeries":
            break
        fields.setdefault(name, child)
    name = local_name(root.tag)
    document_type = _text(fields, "type")
    process_type = _text(fields, "process.processType")
    return _Header(name, fields, codes.data_type_of(name, document_type, process_type))


@dataclass
class _SeriesReader:
    header: _Header
    expander: PeriodExpander
    collector: SeriesCollector = field(default_factory=SeriesCollector)
    skipped: list[str] = field(default_factory=list)
    tags: dict[str, PeriodTags] = field(default_factory=dict)
    keys: KeyCache = field(default_factory=dict)

    def add(self, timeseries: etree._Element) -> None:
        series = _series_header(timeseries)
        data_type = self.header.data_type
        reason = skip_reason(data_type, series)
        if reason is not None:
            self.skipped.append(reason)
            return
        key, unit = identify(data_type, series, self.keys)
        curve = codes.curve_type(series.get("curveType"))
        tags = self._tags(timeseries.tag)
        stretches = []
        for period in timeseries.iterchildren(tags.period):
            stretch = self.expander.stretch(period, tags, curve)
            if stretch is not None:
                stretches.append(stretch)
        self.collector.add(key, unit, stretches, series.line)

    def _tags(self, timeseries_tag: str) -> PeriodTags:
        namespace = timeseries_tag[: -len("TimeSeries")]
        tags = self.tags.get(namespace)
        if tags is None:
            is_price = self.header.data_type is DataType.DAY_AHEAD_PRICE
            tags = PeriodTags.build(namespace, "price.amount" if is_price else "quantity")
            self.tags[namespace] = tags
        return tags

    def document(self) -> ParsedDocument:
        fields = self.header.fields
        revision = fields.get("revisionNumber")
        return ParsedDocument(
            kind="data",
            root=self.header.root,
            mrid=_text(fields, "mRID"),
            revision_number=None
            if revision is None
            else parse_int(revision.text, "revisionNumber", line_of(revision)),
            document_type=_text(fields, "type"),
            process_type=_text(fields, "process.processType"),
            created=_created(fields),
            interval=_interval(fields),
            data_type=self.header.data_type,
            series=self.collector.series(),
            skipped=self.skipped,
        )


def _series_header(timeseries: etree._Element) -> SeriesHeader:
    fields: dict[str, str] = {}
    psr_type: str | None = None
    for child in timeseries:
        name = local_name(child.tag)
        if name == "Period":
            continue
        if name == "MktPSRType":
            psr_type = next((_strip(c.text) for c in child if local_name(c.tag) == "psrType"), None)
        else:
            fields.setdefault(name, _strip(child.text))
    return SeriesHeader(fields, psr_type or None, line_of(timeseries))


def _acknowledgement(root: etree._Element) -> ParsedDocument:
    fields = {local_name(child.tag): child for child in root}
    reasons = [child for child in root if local_name(child.tag) == "Reason"]
    code = text = None
    if reasons:
        parts = {local_name(c.tag): _strip(c.text) for c in reasons[0]}
        code = parts.get("code") or None
        text = "; ".join(
            _strip(c.text) for r in reasons for c in r if local_name(c.tag) == "text" and c.text
        )
    no_data = text is not None and codes.NO_DATA_TEXT in text.lower()
    return ParsedDocument(
        kind="no_data" if no_data else "error",
        root=codes.ACKNOWLEDGEMENT,
        mrid=_text(fields, "mRID"),
        created=_created(fields),
        reason_code=code,
        reason_text=text or "acknowledgement without a reason text",
    )


def _created(fields: dict[str, etree._Element]) -> datetime | None:
    element = fields.get("createdDateTime")
    if element is None:
        return None
    return parse_utc(element.text, "createdDateTime", line_of(element))


def _interval(fields: dict[str, etree._Element]) -> tuple[datetime, datetime] | None:
    element = next((fields[name] for name in _INTERVALS if name in fields), None)
    if element is None:
        return None
    parts = {local_name(child.tag): child.text for child in element}
    line = line_of(element)
    start = parse_utc(parts.get("start"), "document interval start", line)
    end = parse_utc(parts.get("end"), "document interval end", line)
    if end < start:
        raise ParseError(f"document interval at line {line} ends before it starts")
    return start, end


def _text(fields: dict[str, etree._Element], name: str) -> str | None:
    element = fields.get(name)
    return None if element is None else (_strip(element.text) or None)


def _strip(text: str | None) -> str:
    return (text or "").strip()
