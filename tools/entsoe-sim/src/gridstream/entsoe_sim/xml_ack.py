"""Acknowledgement_MarketDocument (acknowledgementdocument 7:0): no-data answers and 400 errors."""

import uuid
from datetime import datetime
from xml.sax.saxutils import escape

from gridstream.entsoe_sim.xml_common import PLATFORM_EIC, created

ACK_NAMESPACE = "urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0"
REASON_CODE = "999"
"""The platform answers 999 for "no data" and for invalid queries alike."""


def render_ack(text: str, now: datetime, code: str = REASON_CODE) -> bytes:
    """An acknowledgement carrying one Reason (the text is XML-escaped: it may echo user input)."""
    stamp = created(now)
    # Real acknowledgements carry a truncated UUID as mRID (e.g. b2e4250c-5152-4).
    mrid = str(uuid.uuid4())[:15]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<Acknowledgement_MarketDocument",
        f'\txmlns="{ACK_NAMESPACE}">',
        f"\t<mRID>{mrid}</mRID>",
        f"\t<createdDateTime>{stamp}</createdDateTime>",
        f'\t<sender_MarketParticipant.mRID codingScheme="A01">{PLATFORM_EIC}</sender_MarketParticipant.mRID>',
        "\t<sender_MarketParticipant.marketRole.type>A32</sender_MarketParticipant.marketRole.type>",
        f'\t<receiver_MarketParticipant.mRID codingScheme="A01">{PLATFORM_EIC}'
        "</receiver_MarketParticipant.mRID>",
        "\t<receiver_MarketParticipant.marketRole.type>A39</receiver_MarketParticipant.marketRole.type>",
        f"\t<received_MarketDocument.createdDateTime>{stamp}</received_MarketDocument.createdDateTime>",
        "\t<Reason>",
        f"\t\t<code>{escape(code)}</code>",
        f"\t\t<text>{escape(text)}</text>",
        "\t</Reason>",
        "</Acknowledgement_MarketDocument>",
    ]
    return "\n".join(lines).encode()
