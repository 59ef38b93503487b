"""`gridstream entsoe parse FILE`: the JSON view of a parsed document and the argparse wiring."""

import argparse
import json
from pathlib import Path

import pytest

from gridstream.collector.entsoe import ParseError
from gridstream.collector.entsoe.cli import parse_file_to_json, register

FIXTURES = Path(__file__).parent / "fixtures" / "entsoe"


def test_json_of_a_data_document() -> None:
    path = FIXTURES / "real" / "generation_A75_A16_FR_PT60M_2024-06-15.xml"
    result = json.loads(parse_file_to_json(path))
    assert result["kind"] == "data"
    assert result["data_type"] == "generation_actual"
    assert result["document_type"] == "A75"
    assert result["interval"] == ["2024-06-14T22:00:00Z", "2024-06-15T22:00:00Z"]
    b10 = next(s for s in result["series"] if s["qualifier"] == "B10")
    assert (b10["area"], b10["data_type"], b10["unit"]) == ("FR", "generation_actual", "MW")
    assert [(s["resolution"], s["start"], s["end"]) for s in b10["stretches"]] == [
        ("PT60M", "2024-06-14T22:00:00Z", "2024-06-15T01:00:00Z"),
        ("PT60M", "2024-06-15T17:00:00Z", "2024-06-15T22:00:00Z"),
    ]
    assert b10["stretches"][0]["points"][:2] == [
        ["2024-06-14T22:00:00Z", 2057.0],
        ["2024-06-14T23:00:00Z", 1403.0],
    ]
    assert len(result["series"]) == 13


def test_json_of_an_acknowledgement() -> None:
    result = json.loads(parse_file_to_json(FIXTURES / "guide" / "acknowledgement_401_error.xml"))
    assert result["kind"] == "error"
    assert result["reason"] == {"code": "401", "text": "Unauthorized access to requested data"}
    assert "series" not in result


def test_json_keeps_missing_values_as_null(tmp_path: Path) -> None:
    path = tmp_path / "one.xml"
    path.write_text(
        '<GL_MarketDocument xmlns="urn:x"><type>A65</type><process.processType>A16'
        "</process.processType><TimeSeries><outBiddingZone_Domain.mRID>10YBE----------2"
        "</outBiddingZone_Domain.mRID><quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>"
        "<curveType>A01</curveType><Period><timeInterval><start>2024-01-01T00:00Z</start>"
        "<end>2024-01-01T01:00Z</end></timeInterval><resolution>PT60M</resolution>"
        "<Point><position>1</position></Point></Period></TimeSeries></GL_MarketDocument>"
    )
    (series,) = json.loads(parse_file_to_json(path))["series"]
    assert series["stretches"][0]["points"] == [["2024-01-01T00:00:00Z", None]]


def test_parse_error_propagates(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(b"<GL_MarketDocument>")
    with pytest.raises(ParseError, match="malformed or truncated XML at line 1"):
        parse_file_to_json(path)


def command_line() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridstream")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_registered_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "real" / "ack_no_matching_data_A44_DE_LU.xml"
    args = command_line().parse_args(["entsoe", "parse", str(path)])
    assert args.handler(args) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "no_data"


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"not xml", "not a readable ENTSO-E document"), (None, "cannot read")],
)
def test_registered_command_reports_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, expected: str
) -> None:
    path = tmp_path / "body.xml"
    if content is not None:
        path.write_bytes(content)
    args = command_line().parse_args(["entsoe", "parse", str(path)])
    assert args.handler(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert expected in captured.err
