"""Turning what the user typed into commands: every bad input named, nothing built."""

from datetime import UTC, datetime

import pytest

from gridstream.cli.errors import UsageError
from gridstream.cli.requests import CommandInput, backfill_request, collection_request
from gridstream.contracts import DataType


def _problem(given: CommandInput, *, backfill: bool = False) -> str:
    with pytest.raises(UsageError) as caught:
        (backfill_request if backfill else collection_request)(given)
    assert caught.value.exit_code == 2
    return str(caught.value)


def test_a_latest_collection_needs_no_window() -> None:
    command = collection_request(CommandInput("de-lu", "Day-Ahead-Price"))
    assert (command.area, command.data_type, command.window) == (
        "DE_LU",
        DataType.DAY_AHEAD_PRICE,
        None,
    )
    assert command.reason == "manual"
    assert command.source == "cli"
    assert command.correlation_id == command.event_id


def test_a_windowed_collection_keeps_its_window_and_reason() -> None:
    given = CommandInput(
        "DE_LU",
        "actual_load",
        start="2024-01-01T00:00Z",
        end="2024-01-02T00:00+00:00",
        reason="gap_fill",
    )
    command = collection_request(given)
    assert command.window is not None
    assert command.window.start == datetime(2024, 1, 1, tzinfo=UTC)
    assert command.window.end == datetime(2024, 1, 2, tzinfo=UTC)
    assert command.reason == "gap_fill"


def test_unknown_area_is_named_with_suggestions() -> None:
    message = _problem(CommandInput("XX", "actual_load"))
    assert message.startswith("AREA: unknown area 'XX'; did you mean XK?")


def test_unknown_data_type_lists_the_valid_ones() -> None:
    message = _problem(CommandInput("DE_LU", "load"))
    assert message.startswith("DATA_TYPE: unknown data type 'load'; expected one of: actual_load,")
    assert "gridstream datatypes" in message


def test_several_problems_are_all_reported() -> None:
    lines = _problem(CommandInput("XX", "load")).splitlines()
    assert [line.split(":")[0] for line in lines] == ["AREA", "DATA_TYPE"]


def test_naive_datetime_is_refused_with_the_fix() -> None:
    message = _problem(
        CommandInput("DE_LU", "actual_load", start="2024-01-01T00:00", end="2024-01-02T00:00Z")
    )
    assert message.startswith("--start: naive datetime 2024-01-01T00:00:00 is not allowed")
    assert "2024-01-01T00:00:00Z" in message


def test_unparseable_datetime_names_the_option() -> None:
    message = _problem(
        CommandInput("DE_LU", "actual_load", start="2024-01-01T00:00Z", end="tomorrow")
    )
    assert message.startswith("--end: ")
    assert "ISO 8601 with a timezone" in message


def test_window_longer_than_one_request_points_to_backfill() -> None:
    message = _problem(
        CommandInput("DE_LU", "actual_load", start="2024-01-01T00:00Z", end="2024-03-01T00:00Z")
    )
    assert message.startswith("--start/--end: window [2024-01-01T00:00:00Z, 2024-03-01T00:00:00Z)")
    assert "longer than P1M" in message
    assert "use `gridstream backfill` for longer ranges" in message


def test_end_before_start_is_refused() -> None:
    message = _problem(
        CommandInput("DE_LU", "actual_load", start="2024-02-01T00:00Z", end="2024-01-01T00:00Z")
    )
    assert message == (
        "--start/--end: window end 2024-01-01T00:00:00Z must be after its start 2024-02-01T00:00:00Z"
    )


def test_start_without_end_is_refused() -> None:
    message = _problem(CommandInput("DE_LU", "actual_load", start="2024-01-01T00:00Z"))
    assert message == "--end: --start and --end go together (give both, or neither)"


def test_flow_needs_and_only_flows_take_a_receiving_area() -> None:
    assert _problem(CommandInput("DE_LU", "crossborder_flow")).startswith(
        "--to-area: crossborder_flow needs"
    )
    assert _problem(CommandInput("DE_LU", "actual_load", to_area="FR")).startswith(
        "--to-area: only crossborder_flow takes to_area"
    )
    flow = collection_request(CommandInput("DE_LU", "crossborder_flow", to_area="fr"))
    assert flow.to_area == "FR"


def test_prices_of_a_country_are_refused() -> None:
    message = _problem(CommandInput("DE", "day_ahead_price"))
    assert message.startswith("area DE does not publish day_ahead_price")


def test_unknown_reason_is_refused() -> None:
    assert _problem(CommandInput("DE_LU", "actual_load", reason="because")).startswith("--reason: ")


def test_backfill_needs_a_range_of_any_length() -> None:
    assert _problem(CommandInput("DE_LU", "actual_load"), backfill=True) == (
        "--start and --end: a backfill needs the range to fill"
    )
    command = backfill_request(
        CommandInput("DE_LU", "actual_load", start="2023-01-01T00:00Z", end="2024-01-01T00:00Z")
    )
    assert command.window.end == datetime(2024, 1, 1, tzinfo=UTC)
    message = _problem(
        CommandInput("DE_LU", "actual_load", start="2023-01-01", end="2024-01-01T00:00Z"),
        backfill=True,
    )
    assert message.startswith("--start: naive datetime")
