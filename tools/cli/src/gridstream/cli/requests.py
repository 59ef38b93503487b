"""Command-line values -> validated contract commands, with messages that name the offending option."""

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError

from gridstream.cli.errors import UsageError
from gridstream.contracts import BackfillRequested, CollectionRequested, DataType

M = TypeVar("M", CollectionRequested, BackfillRequested)

# Contract field locations -> the option or argument the user typed.
_OPTION_NAMES = {
    "area": "AREA",
    "data_type": "DATA_TYPE",
    "to_area": "--to-area",
    "reason": "--reason",
    "window": "--start/--end",
    "window.start": "--start",
    "window.end": "--end",
}


@dataclass(frozen=True, slots=True)
class CommandInput:
    """What the user typed for `collect` or `backfill` (all strings, unvalidated)."""

    area: str
    data_type: str
    start: str | None = None
    end: str | None = None
    to_area: str | None = None
    reason: str | None = None


def collection_request(given: CommandInput) -> CollectionRequested:
    """A CollectionRequested from the user's input; UsageError naming each problem otherwise."""
    if (given.start is None) != (given.end is None):
        missing = "--end" if given.end is None else "--start"
        raise UsageError(f"{missing}: --start and --end go together (give both, or neither)")
    fields = _common_fields(given)
    if given.start is not None:
        fields["window"] = {"start": given.start, "end": given.end}
    if given.reason is not None:
        fields["reason"] = given.reason
    return _build(CollectionRequested, fields)


def backfill_request(given: CommandInput) -> BackfillRequested:
    """A BackfillRequested from the user's input; UsageError naming each problem otherwise."""
    missing = [
        name for name, value in (("--start", given.start), ("--end", given.end)) if not value
    ]
    if missing:
        raise UsageError(f"{' and '.join(missing)}: a backfill needs the range to fill")
    fields = _common_fields(given)
    fields["window"] = {"start": given.start, "end": given.end}
    return _build(BackfillRequested, fields)


def _common_fields(given: CommandInput) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "area": given.area,
        # Users type `Day-Ahead-Price` as readily as `day_ahead_price`.
        "data_type": given.data_type.strip().lower().replace("-", "_"),
        "source": "cli",
    }
    if given.to_area is not None:
        fields["to_area"] = given.to_area
    return fields


def _build(model: type[M], fields: dict[str, Any]) -> M:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise UsageError(validation_problems(exc, fields)) from None


def validation_problems(exc: ValidationError, fields: dict[str, Any]) -> str:
    """One line per problem, each starting with the option the user must fix."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        message = _explain(where, error["type"], error["msg"], fields)
        if not where:
            # Whole-model checks name their field in the text: "to_area: ...", "window [...] ...".
            head, sep, rest = message.partition(": ")
            where, message = (head, rest) if sep and head in _OPTION_NAMES else ("", message)
            where = where or ("window" if message.startswith("window") else "")
        option = _OPTION_NAMES.get(where, where)
        lines.append(f"{option}: {message}" if option else message)
    return "\n".join(dict.fromkeys(lines))


def _explain(where: str, kind: str, message: str, fields: dict[str, Any]) -> str:
    message = message.removeprefix("Value error, ")
    if where == "data_type" and kind == "enum":
        valid = ", ".join(member.value for member in DataType)
        return (
            f"unknown data type {fields.get('data_type')!r}; expected one of: {valid} "
            "(see `gridstream datatypes`)"
        )
    if kind.startswith("datetime"):
        return f"{message}; use ISO 8601 with a timezone, e.g. 2024-01-01T00:00Z"
    return message.replace(
        "use BackfillRequested for more", "use `gridstream backfill` for longer ranges"
    )
