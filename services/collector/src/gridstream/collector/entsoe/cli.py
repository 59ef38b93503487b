"""`gridstream entsoe parse FILE`: print a parsed ENTSO-E document as JSON."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gridstream.collector.entsoe.documents import ParsedDocument, ParsedSeries, Stretch
from gridstream.collector.entsoe.parse_errors import ParseError
from gridstream.collector.entsoe.parser import parse_document
from gridstream.contracts import isoformat_z


def parse_file_to_json(path: Path) -> str:
    """Parse an ENTSO-E XML file and return the document as JSON text; ParseError if it cannot be read."""
    return json.dumps(document_to_dict(parse_document(path.read_bytes())), indent=2)


def document_to_dict(document: ParsedDocument) -> dict[str, Any]:
    """A JSON-ready view: kind, header, reason (acknowledgements) and series with expanded points."""
    interval = document.interval
    result: dict[str, Any] = {
        "kind": document.kind,
        "root": document.root,
        "mrid": document.mrid,
        "revision_number": document.revision_number,
        "document_type": document.document_type,
        "process_type": document.process_type,
        "created": None if document.created is None else isoformat_z(document.created),
        "interval": None if interval is None else [isoformat_z(ts) for ts in interval],
    }
    if document.kind == "data":
        result["data_type"] = document.data_type
        result["series"] = [_series(series) for series in document.series]
        result["skipped"] = document.skipped
    else:
        result["reason"] = {"code": document.reason_code, "text": document.reason_text}
    return result


def _series(series: ParsedSeries) -> dict[str, Any]:
    key = series.key
    return {
        "area": key.area,
        "data_type": key.data_type.value,
        "qualifier": key.qualifier,
        "unit": series.unit,
        "stretches": [_stretch(stretch) for stretch in series.stretches],
    }


def _stretch(stretch: Stretch) -> dict[str, Any]:
    return {
        "resolution": stretch.resolution.value,
        "start": isoformat_z(stretch.start),
        "end": isoformat_z(stretch.end),
        "points": [[isoformat_z(ts), value] for ts, value in stretch.points],
    }


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the `entsoe parse FILE` command."""
    entsoe = subparsers.add_parser("entsoe", help="work with ENTSO-E Transparency Platform data")
    actions = entsoe.add_subparsers(dest="entsoe_action", required=True)
    parse = actions.add_parser(
        "parse", help="parse a response body (XML file) and print it as JSON"
    )
    parse.add_argument("file", type=Path, help="an ENTSO-E API response saved as XML")
    parse.set_defaults(handler=_parse)


def _parse(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        print(parse_file_to_json(path))
    except ParseError as exc:
        print(f"error: {path} is not a readable ENTSO-E document: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
