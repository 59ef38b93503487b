"""A half-open UTC time window [start, end) and its validation."""

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gridstream.contracts.timeutil import UtcDatetime, isoformat_z


class TimeWindow(BaseModel):
    """A half-open interval [start, end) in UTC."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    start: UtcDatetime = Field(description="Inclusive start, UTC.")
    end: UtcDatetime = Field(description="Exclusive end, UTC; after start.")

    @model_validator(mode="after")
    def _end_after_start(self) -> "TimeWindow":
        if self.end <= self.start:
            raise ValueError(
                f"window end {isoformat_z(self.end)} must be after its start "
                f"{isoformat_z(self.start)}"
            )
        return self

    def __str__(self) -> str:
        return f"[{isoformat_z(self.start)}, {isoformat_z(self.end)})"
