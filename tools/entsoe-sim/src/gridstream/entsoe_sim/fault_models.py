"""Fault specifications (JSON via POST /admin/faults or SimConfig): what goes wrong, for whom, when.

Every fault has filters (documentType, area) and a trigger. A request that passes the filters is
the fault's next "matching request" (counted from 1). The fault fires when every trigger condition
given holds: `next_n` (matching requests 1..n), `requests` ([k, m], inclusive), `from_request`
(k onwards), `from_time` (simulator clock), then `probability` (a seeded draw).
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridstream.contracts import AreaCode, UtcDatetime


class FaultBase(BaseModel):
    """Filters and trigger shared by every fault."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_type: str | None = Field(None, description="Only requests with this documentType.")
    area: AreaCode | None = Field(None, description="Only requests naming this area in any domain.")
    probability: float = Field(1.0, ge=0.0, le=1.0, description="Chance of firing when triggered.")
    next_n: int | None = Field(None, ge=1, description="Fire on matching requests 1..n only.")
    requests: tuple[int, int] | None = Field(
        None, description="Fire on matching requests k..m (1-based, inclusive)."
    )
    from_request: int | None = Field(
        None, ge=1, description="Fire from the k-th matching request on."
    )
    from_time: UtcDatetime | None = Field(
        None, description="Fire once the simulator clock reaches this."
    )

    @model_validator(mode="after")
    def _check_requests(self) -> "FaultBase":
        if self.requests is not None and not 1 <= self.requests[0] <= self.requests[1]:
            raise ValueError(f"requests must be [k, m] with 1 <= k <= m, got {list(self.requests)}")
        return self


class Http503Fault(FaultBase):
    """Answer 503 with an empty application/xml body, like an overloaded platform."""

    kind: Literal["http_503"] = "http_503"


class Http429Fault(FaultBase):
    """Answer 429 with a Retry-After header."""

    kind: Literal["http_429"] = "http_429"
    retry_after: int = Field(10, ge=0, le=3600, description="Retry-After, seconds.")


class SlowFault(FaultBase):
    """Wait before answering normally."""

    kind: Literal["slow"] = "slow"
    delay_seconds: float = Field(ge=0.0, le=600.0)


class HangFault(FaultBase):
    """Never answer until the client gives up; after `max_seconds` answer 408 as the platform's cut-off."""

    kind: Literal["hang"] = "hang"
    max_seconds: float = Field(300.0, gt=0.0, le=3600.0)


class TruncateFault(FaultBase):
    """Cut the XML: a short but complete 200 ('body') or a connection dropped mid-body ('connection')."""

    kind: Literal["truncate"] = "truncate"
    keep_fraction: float = Field(0.5, ge=0.0, lt=1.0)
    mode: Literal["body", "connection"] = "body"


class _Ranged(FaultBase):
    start: UtcDatetime
    end: UtcDatetime
    qualifier: str | None = Field(
        None, description="Only this series (e.g. B16, seq2); all when None."
    )

    @model_validator(mode="after")
    def _check_range(self) -> "_Ranged":
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class HoleFault(_Ranged):
    """Leave the slots in [start, end) out of the documents (the series splits into Periods)."""

    kind: Literal["hole"] = "hole"


class RevisionFault(_Ranged):
    """Republish values in [start, end): they change and the document's revisionNumber goes up."""

    kind: Literal["revision"] = "revision"
    factor: float | None = Field(
        None, gt=0.0, description="Multiply by this; None = a 1-6 % change."
    )


class SpikeFault(FaultBase):
    """Multiply the values at the given slot starts by `factor`."""

    kind: Literal["spike"] = "spike"
    timestamps: tuple[UtcDatetime, ...] = Field(min_length=1)
    factor: float = 10.0
    qualifier: str | None = None


FaultSpec = Annotated[
    Http503Fault
    | Http429Fault
    | SlowFault
    | HangFault
    | TruncateFault
    | HoleFault
    | RevisionFault
    | SpikeFault,
    Field(discriminator="kind"),
]
"""Any fault, chosen by its `kind`."""
