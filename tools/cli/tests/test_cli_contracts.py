"""The CLI's contracts commands, run as a user would."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gridstream.cli.main import main
from gridstream.contracts import MODELS


def test_contracts_export_writes_every_schema(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gridstream.cli.main",
            "contracts",
            "export",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"wrote {len(MODELS)} schemas" in result.stdout
    schema = json.loads((tmp_path / "DataReady.json").read_text())
    assert schema["x-subject"] == "gridstream.evt.data.ready.<area>.<data_type>"
    assert "points" in schema["properties"]


def test_areas_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["areas"]) == 0
    assert "10Y1001A1001A82H" in capsys.readouterr().out


def test_unknown_command_fails_with_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["nonsense"])
    assert exc.value.code == 2
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err
