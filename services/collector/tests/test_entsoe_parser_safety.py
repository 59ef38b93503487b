"""Hostile and broken input: every bad body ends in a ParseError with a clear message, quickly."""

import random
import time
from pathlib import Path

import pytest

from gridstream.collector.entsoe import ParsedDocument, ParseError, parse_document

REAL = Path(__file__).parent / "fixtures" / "entsoe" / "real"
GENERATION = (REAL / "generation_A75_A16_DE_LU_PT15M_2024-06-15.xml").read_bytes()
NS = "urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"

BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE GL_MarketDocument [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<GL_MarketDocument xmlns="{NS}"><mRID>&lol9;</mRID><type>A65</type></GL_MarketDocument>
""".encode()


def test_billion_laughs_is_refused_before_any_expansion() -> None:
    began = time.perf_counter()
    with pytest.raises(ParseError, match="DOCTYPE"):
        parse_document(BILLION_LAUGHS)
    assert time.perf_counter() - began < 1.0


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE GL_MarketDocument [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE GL_MarketDocument SYSTEM "http://127.0.0.1:9/evil.dtd">',
        '<!DOCTYPE GL_MarketDocument [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x"> %remote;]>',
        "<!DOCTYPE GL_MarketDocument>",
    ],
)
def test_any_doctype_is_refused(doctype: str) -> None:
    body = f'<?xml version="1.0"?>{doctype}<GL_MarketDocument xmlns="{NS}"><mRID>&xxe;</mRID>'
    body += "</GL_MarketDocument>"
    with pytest.raises(ParseError) as caught:
        parse_document(body.encode())
    assert "root:" not in str(caught.value)  # nothing from /etc/passwd leaks into the message


def test_undeclared_entity_is_malformed() -> None:
    body = f'<GL_MarketDocument xmlns="{NS}"><mRID>&xxe;</mRID></GL_MarketDocument>'
    with pytest.raises(ParseError, match=r"malformed or truncated XML at line 1"):
        parse_document(body.encode())


@pytest.mark.parametrize("fraction", [0.01, 0.3, 0.5, 0.9, 0.999])
def test_truncated_document_names_the_line(fraction: float) -> None:
    cut = GENERATION[: int(len(GENERATION) * fraction)]
    last_line = cut.count(b"\n") + 1
    with pytest.raises(ParseError, match="malformed or truncated XML at line") as caught:
        parse_document(cut)
    assert f"line {last_line}," in str(caught.value)


def test_oversized_document_is_refused_before_parsing() -> None:
    with pytest.raises(ParseError, match=r"211456 bytes, more than the limit of 100000 bytes"):
        parse_document(GENERATION, max_bytes=100_000)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "malformed or truncated XML at line 1"),
        (b'{"error": "Service Unavailable"}', "malformed or truncated XML at line 1"),
        (b"Authentication failed.", "malformed or truncated XML at line 1"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "malformed or truncated XML"),
        (b"<html><body>503 Service Unavailable</body></html>", "unsupported root element 'html'"),
        (
            b'<Balancing_MarketDocument xmlns="urn:x"><TimeSeries/></Balancing_MarketDocument>',
            "unsupported root element 'Balancing_MarketDocument'",
        ),
        (
            f'<wrapper><GL_MarketDocument xmlns="{NS}"/></wrapper>'.encode(),
            "unsupported root element 'wrapper'",
        ),
        (b"<GL_MarketDocument><type>A65</type></Publication_MarketDocument>", "malformed"),
        (b"<?xml version='1.0'?>", "malformed or truncated XML"),
    ],
)
def test_garbage_and_unexpected_documents(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_document(body)


def test_deep_nesting_is_refused() -> None:
    body = b"<GL_MarketDocument>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</GL_MarketDocument>"
    began = time.perf_counter()
    with pytest.raises(ParseError, match="malformed or truncated XML"):
        parse_document(body)
    assert time.perf_counter() - began < 2.0


def test_huge_text_node_is_refused() -> None:
    body = f'<GL_MarketDocument xmlns="{NS}"><mRID>'.encode() + b"x" * 11_000_000
    body += b"</mRID></GL_MarketDocument>"
    with pytest.raises(ParseError, match="malformed or truncated XML"):
        parse_document(body)


@pytest.mark.parametrize("seed", range(40))
def test_mutated_documents_parse_or_raise_parse_error(seed: int) -> None:
    rng = random.Random(seed)
    body = bytearray(GENERATION)
    for _ in range(rng.randint(1, 8)):
        index = rng.randrange(len(body))
        body[index] = rng.choice(b"<>/&;\"'x0129.-Z \n\x00\xff")
    outcome: ParsedDocument | ParseError
    try:
        outcome = parse_document(bytes(body))
    except ParseError as error:
        outcome = error
    if isinstance(outcome, ParseError):
        assert str(outcome)
    else:
        assert outcome.kind == "data"
