"""A configuration out of bounds or invalid stops `python -m gridstream.scheduler` (exit status 2)
with a message naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD_SCHEDULE = """
    - name: collect-nl-load
      every: 900
      command_type: CollectionRequested
      command: {area: NL, data_type: actual_load}
"""

CASES = {
    "bad cron": (
        "  schedules:" + GOOD_SCHEDULE.replace("every: 900", 'cron: "61 * * * *"'),
        "GRIDSTREAM_CONFIG: scheduler.schedules[0].cron: invalid cron",
    ),
    "bad command in the second schedule": (
        "  schedules:"
        + GOOD_SCHEDULE
        + GOOD_SCHEDULE.replace("nl-load", "xx").replace("area: NL", "area: XX"),
        "GRIDSTREAM_CONFIG: scheduler.schedules[1].command.area",
    ),
    "realized data polled too often": (
        "  defaults:\n    realized_every_minutes: 3",
        "GRIDSTREAM_CONFIG: scheduler.defaults.realized_every_minutes: Input should be greater",
    ),
    "unknown untracked command type": (
        "  untracked_command_types: [GapScanRequested, Launch]",
        "GRIDSTREAM_CONFIG: scheduler.untracked_command_types: unknown command type 'Launch'",
    ),
    "history shorter than the outcome timeout": (
        "  outcome_timeout: P2D\n  history_retention: P1D",
        "GRIDSTREAM_CONFIG: scheduler.history_retention: must not be shorter than outcome_timeout",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_configuration_stops_start_up_naming_the_setting(case: str, tmp_path: Path) -> None:
    section, message = CASES[case]
    config = tmp_path / "gridstream.yaml"
    config.write_text(f"scheduler:\n{section}\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDSTREAM_", "ENTSOE_"))}
    env = {
        **clean,
        "GRIDSTREAM_CONFIG": str(config),
        "GRIDSTREAM_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x",
    }

    result = subprocess.run(
        [sys.executable, "-m", "gridstream.scheduler"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2, result.stderr
    assert message in result.stderr, result.stderr
