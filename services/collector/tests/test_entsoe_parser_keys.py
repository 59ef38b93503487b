"""Series keys from small inline documents: areas, qualifiers, units; unsupported or inconsistent input."""

import re

import pytest

from gridstream.collector.entsoe import ParseError, parse_document
from gridstream.contracts import DataType, Resolution

from .entsoe_documents import (
    DE_LU,
    NL,
    PUB_NS,
    gl,
    load_fields,
    period,
    timeseries,
    utc,
)


def price_fields(sequence: str | None = None, contract: str = "A01") -> dict[str, str]:
    fields = {
        "businessType": "A62",
        "in_Domain.mRID": DE_LU,
        "out_Domain.mRID": DE_LU,
        "contract_MarketAgreement.type": contract,
        "currency_Unit.name": "EUR",
        "price_Measure_Unit.name": "MWH",
    }
    if sequence is not None:
        fields["classificationSequence_AttributeInstanceComponent.position"] = sequence
    fields["curveType"] = "A03"
    return fields


def publication(series: list[str], doc_type: str = "A44") -> bytes:
    return (
        f'<Publication_MarketDocument xmlns="{PUB_NS}"><mRID>p</mRID><revisionNumber>1</revisionNumber>'
        f"<type>{doc_type}</type>{''.join(series)}</Publication_MarketDocument>"
    ).encode()


def test_price_sequences_are_split_and_intraday_contracts_skipped() -> None:
    def prices(sequence: str | None, value: str, contract: str = "A01") -> str:
        return timeseries(
            price_fields(sequence, contract),
            [
                period(
                    "2025-10-30T23:00Z", "2025-10-30T23:15Z", "PT15M", [(1, value)], "price.amount"
                )
            ],
        )

    document = parse_document(
        publication(
            [prices(None, "1"), prices("2", "2"), prices("3", "3"), prices("1", "4", "A07")]
        )
    )
    assert {s.key.qualifier: next(iter(s.points()))[1] for s in document.series} == {
        "": 1.0,
        "seq2": 2.0,
        "seq3": 3.0,
    }
    assert document.data_type is DataType.DAY_AHEAD_PRICE
    assert len(document.skipped) == 1
    assert "A07" in document.skipped[0]


def test_flow_area_is_the_sending_side() -> None:
    fields = {
        "businessType": "A66",
        "in_Domain.mRID": NL,
        "out_Domain.mRID": DE_LU,
        "quantity_Measure_Unit.name": "MAW",
        "curveType": "A03",
    }
    body = publication(
        [
            timeseries(
                fields, [period("2024-06-14T22:00Z", "2024-06-14T23:00Z", "PT60M", [(1, "10")])]
            )
        ],
        "A11",
    )
    (flow,) = parse_document(body).series
    assert (flow.key.area, flow.key.data_type, flow.key.qualifier, flow.unit) == (
        "DE_LU",
        DataType.CROSSBORDER_FLOW,
        "to:NL",
        "MW",
    )


def generation(doc_type: str, process: str, fields: dict[str, str], psr: str | None) -> bytes:
    return gl(
        [
            timeseries(
                fields, [period("2024-06-14T22:00Z", "2024-06-14T23:00Z", "PT60M", [(1, "1")])], psr
            )
        ],
        doc_type,
        process,
    )


def gen_fields(consumption: bool = False, business: str = "A01") -> dict[str, str]:
    domain = "outBiddingZone_Domain.mRID" if consumption else "inBiddingZone_Domain.mRID"
    return {
        "businessType": business,
        domain: NL,
        "quantity_Measure_Unit.name": "MAW",
        "curveType": "A03",
    }


@pytest.mark.parametrize(
    ("doc_type", "process", "consumption", "psr", "business", "data_type", "qualifier"),
    [
        ("A75", "A16", False, "B04", "A01", DataType.GENERATION_ACTUAL, "B04"),
        ("A75", "A16", True, "B10", "A01", DataType.GENERATION_ACTUAL, "B10:consumption"),
        ("A74", "A16", False, "B19", "A01", DataType.GENERATION_ACTUAL, "B19"),
        ("A71", "A01", False, None, "A01", DataType.GENERATION_FORECAST_DAY_AHEAD, ""),
        ("A71", "A01", True, None, "A01", DataType.GENERATION_FORECAST_DAY_AHEAD, "consumption"),
        ("A69", "A01", False, "B18", "A93", DataType.WIND_SOLAR_FORECAST_DAY_AHEAD, "B18"),
        ("A69", "A01", False, None, "A94", DataType.WIND_SOLAR_FORECAST_DAY_AHEAD, "B16"),
        ("A68", "A33", False, "B14", "A37", DataType.INSTALLED_CAPACITY, "B14"),
    ],
)
def test_generation_keys(
    doc_type: str,
    process: str,
    consumption: bool,
    psr: str | None,
    business: str,
    data_type: DataType,
    qualifier: str,
) -> None:
    (series,) = parse_document(
        generation(doc_type, process, gen_fields(consumption, business), psr)
    ).series
    assert (series.key.area, series.key.data_type, series.key.qualifier) == (
        "NL",
        data_type,
        qualifier,
    )


def test_forecast_margin_and_load_min_max() -> None:
    margin = gl(
        [
            timeseries(
                load_fields(business="A92"),
                [period("2015-12-31T23:00Z", "2016-12-31T23:00Z", "P1Y", [(1, "2841")])],
            )
        ],
        "A70",
        "A33",
    )
    (series,) = parse_document(margin).series
    assert (series.key.data_type, series.key.qualifier) == (DataType.FORECAST_MARGIN_YEAR_AHEAD, "")
    assert list(series.points()) == [(utc("2015-12-31T23:00"), 2841.0)]
    (year_max,) = parse_document(
        gl(
            [
                timeseries(
                    load_fields(business="A61"),
                    [period("2023-12-31T23:00Z", "2024-01-07T23:00Z", "P7D", [(1, "3")])],
                )
            ],
            process="A33",
        )
    ).series
    assert (year_max.key.data_type, year_max.key.qualifier) == (
        DataType.LOAD_FORECAST_YEAR_AHEAD,
        "max",
    )
    assert year_max.stretches[0].resolution is Resolution.P7D


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (generation("A69", "A01", gen_fields(business="A93"), None), "no MktPSRType/psrType"),
        (generation("A69", "A01", gen_fields(business="A93"), "B04"), "not wind or solar"),
        (generation("A75", "A16", gen_fields(), None), "no MktPSRType/psrType"),
        (generation("A73", "A16", gen_fields(), "B04"), "unsupported document type 'A73'"),
        (generation("A69", "A18", gen_fields(business="A93"), "B18"), "process type 'A18'"),
        (gl([], "A65", "A99"), "process type 'A99'"),
        (
            gl([timeseries(load_fields(area="10YXX-UNKNOWN--X"), [])]),
            "unknown area EIC '10YXX-UNKNOWN--X'",
        ),
        (gl([timeseries({"outBiddingZone_Domain.mRID": NL}, [])]), "no quantity_Measure_Unit.name"),
        (gl([timeseries(load_fields(curve="A02"), [])]), "unsupported curveType 'A02'"),
        (
            gl([], "A44").replace(b"<process.processType>A16</process.processType>", b""),
            "must come in a Publication_MarketDocument",
        ),
        (publication([timeseries(price_fields("x"), [])]), "invalid price sequence 'x'"),
    ],
)
def test_unsupported_or_inconsistent_documents(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message_pattern(message)):
        parse_document(body)


def message_pattern(text: str) -> str:
    return re.escape(text)
