"""UTC-only datetimes: the one time representation every contract uses."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def require_utc(value: datetime) -> datetime:
    """Reject naive datetimes; normalise aware ones to UTC."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} is not allowed: give a timezone, e.g. "
            f"{value.isoformat()}Z (all gridstream times are UTC)"
        )
    return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def isoformat_z(value: datetime) -> str:
    """Format a UTC datetime as ISO 8601 with a trailing Z."""
    return require_utc(value).isoformat().replace("+00:00", "Z")


UtcDatetime = Annotated[datetime, AfterValidator(require_utc)]
