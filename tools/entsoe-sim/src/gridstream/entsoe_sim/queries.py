"""The query parameters of a well-formed request for any data type (for examples, tests and tools)."""

from datetime import datetime

from gridstream.contracts import AreaParameter, DataType, get_area, spec_of


def period_param(ts: datetime) -> str:
    """A periodStart/periodEnd value: yyyyMMddHHmm in UTC."""
    return ts.strftime("%Y%m%d%H%M")


def query_for(
    data_type: DataType,
    area: str,
    start: datetime,
    end: datetime,
    *,
    to_area: str | None = None,
    psr_type: str | None = None,
) -> dict[str, str]:
    """Parameters the real API accepts for `data_type` (without the token); `area` sends for flows."""
    spec = spec_of(data_type)
    eic = get_area(area).eic
    params = {"documentType": spec.document_type}
    if spec.process_type is not None:
        params["processType"] = spec.process_type
    if spec.area_parameter is AreaParameter.OUT_BIDDING_ZONE:
        params["outBiddingZone_Domain"] = eic
    elif spec.area_parameter is AreaParameter.IN_DOMAIN:
        params["in_Domain"] = eic
    elif spec.area_parameter is AreaParameter.IN_AND_OUT_DOMAIN:
        params.update(in_Domain=eic, out_Domain=eic, **{"contract_MarketAgreement.type": "A01"})
    elif to_area is None:
        raise ValueError(f"{data_type} needs to_area, the receiving area of the flow")
    else:
        params.update(out_Domain=eic, in_Domain=get_area(to_area).eic)
    if psr_type is not None:
        params["psrType"] = psr_type
    params.update(periodStart=period_param(start), periodEnd=period_param(end))
    return params
