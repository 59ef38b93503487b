"""Turning ENTSO-E element texts (timestamps, integers) into values, with ParseErrors that say where."""

from datetime import UTC, datetime

from gridstream.collector.entsoe.parse_errors import ParseError


def parse_utc(text: str | None, what: str, line: int | None) -> datetime:
    """An ENTSO-E timestamp such as 2024-06-14T22:00Z as an aware UTC datetime."""
    if text is None or not text.strip():
        raise ParseError(f"missing {what} at line {line}")
    stripped = text.strip()
    try:
        value = datetime.fromisoformat(stripped)
        aware = value.tzinfo is not None
        # astimezone() on a naive value would assume the machine's zone, so only convert aware ones.
        converted = value.astimezone(UTC) if aware else value
    except (ValueError, OverflowError):
        raise ParseError(f"invalid {what} {stripped!r} at line {line}") from None
    if not aware:
        raise ParseError(f"{what} {stripped!r} at line {line} has no time zone (expected UTC)")
    return converted


def parse_int(text: str | None, what: str, line: int | None) -> int:
    """A decimal integer such as a revisionNumber or a sequence position."""
    stripped = (text or "").strip()
    if not (stripped.isascii() and stripped.isdigit()):
        raise ParseError(f"invalid {what} {text!r} at line {line}: expected a whole number")
    return int(stripped)
