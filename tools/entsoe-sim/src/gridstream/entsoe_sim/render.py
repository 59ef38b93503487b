"""Turn a query into response bytes: validate, build the document, write XML (CPU work, no I/O)."""

from dataclasses import dataclass
from datetime import datetime

from gridstream.contracts import DataType, spec_of
from gridstream.entsoe_sim.documents import Document, build_document
from gridstream.entsoe_sim.effects import DataEffects
from gridstream.entsoe_sim.errors import InvalidQueryError, NoMatchingDataError
from gridstream.entsoe_sim.params import parse_request
from gridstream.entsoe_sim.xml_ack import render_ack
from gridstream.entsoe_sim.xml_gl import render_gl
from gridstream.entsoe_sim.xml_publication import render_publication

_PUBLICATION = frozenset({DataType.DAY_AHEAD_PRICE, DataType.CROSSBORDER_FLOW})


@dataclass(frozen=True, slots=True)
class Rendered:
    """A response body with its status and file name."""

    status: int
    body: bytes
    filename: str


def render_query(
    query: dict[str, str],
    *,
    seed: int,
    now: datetime,
    history_start: datetime,
    effects: DataEffects,
) -> Rendered:
    """The platform's answer to a query: data (200), no data (200) or an invalid query (400)."""
    try:
        request = parse_request(query)
        document = build_document(
            request, seed=seed, now=now, history_start=history_start, effects=effects
        )
    except InvalidQueryError as exc:
        return Rendered(400, render_ack(exc.text, now), "acknowledgement.xml")
    except NoMatchingDataError as exc:
        return Rendered(200, render_ack(exc.text, now), "acknowledgement.xml")
    return Rendered(200, render_document(document, now), _filename(document))


def render_document(document: Document, now: datetime) -> bytes:
    """The document in its market-document XML format."""
    if document.request.data_type in _PUBLICATION:
        return render_publication(document, now)
    return render_gl(document, now)


def _filename(document: Document) -> str:
    request = document.request
    title = spec_of(request.data_type).title.title()
    return f"{title}_{request.start:%Y%m%d%H%M}-{request.end:%Y%m%d%H%M}.xml"
