"""The collector process refuses a bad configuration at start, naming the setting, never a secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gridstream.collector.settings import CollectorSettings
from gridstream.contracts import DataType
from gridstream.runtime.settings import load_settings

TOKEN = "tok-3b9d1e7f"  # a test token, searched for in the output
SHORT_ADMIN_TOKEN = "adm-5e8c2a"  # too short to guard the admin API, searched for in the output


def start(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDSTREAM_", "ENTSOE_"))}
    return subprocess.run(
        [sys.executable, "-m", "gridstream.collector"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GRIDSTREAM_ENTSOE_RATE_PER_SECOND": "10"}, "GRIDSTREAM_ENTSOE_RATE_PER_SECOND"),
        ({"GRIDSTREAM_HTTP_PORT": "70000"}, "GRIDSTREAM_HTTP_PORT"),
        ({"ENTSOE_API_URL": "ftp://example"}, "ENTSOE_API_URL"),
        ({"GRIDSTREAM_DATABASE_URL": f"mysql://u:{TOKEN}@h/db"}, "GRIDSTREAM_DATABASE_URL"),
        ({"GRIDSTREAM_ADMIN_TOKEN": SHORT_ADMIN_TOKEN}, "GRIDSTREAM_ADMIN_TOKEN: must be at least"),
        ({"GRIDSTREAM_ADMIN_TOKEN": ""}, "GRIDSTREAM_ADMIN_TOKEN: must be at least"),
    ],
)
def test_bad_setting_stops_start_up_naming_it(env: dict[str, str], message: str) -> None:
    base = {
        "GRIDSTREAM_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x",
        "ENTSOE_API_TOKEN": TOKEN,
    }
    result = start(**(base | env))
    assert result.returncode == 2
    assert "invalid configuration" in result.stderr
    assert message in result.stderr
    assert TOKEN not in result.stderr + result.stdout
    assert SHORT_ADMIN_TOKEN not in result.stderr + result.stdout


def test_missing_token_is_named() -> None:
    result = start(GRIDSTREAM_DATABASE_URL="postgresql://postgres@127.0.0.1:1/x")
    assert result.returncode == 2
    assert "ENTSOE_API_TOKEN" in result.stderr


CONFIG = """
common:
  areas: [NL]
  data_types: [actual_load]
collector:
  entsoe_burst: 3
  http_port: 9281
scheduler:
  a_scheduler_setting: 1
"""


def test_collector_reads_common_and_its_section_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "gridstream.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    for name in list(os.environ):
        if name.startswith(("GRIDSTREAM_", "ENTSOE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GRIDSTREAM_CONFIG", str(config))
    monkeypatch.setenv("GRIDSTREAM_HTTP_PORT", "9282")
    monkeypatch.setenv("GRIDSTREAM_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/x")
    monkeypatch.setenv("ENTSOE_API_TOKEN", TOKEN)

    settings = load_settings(CollectorSettings)

    assert settings.common.areas == ("NL",)
    assert settings.common.data_types == (DataType.ACTUAL_LOAD,)
    assert settings.entsoe_burst == 3
    assert settings.http_port == 9282  # the environment beats the file


def test_unknown_key_in_the_collector_section_stops_start_up(tmp_path: Path) -> None:
    config = tmp_path / "gridstream.yaml"
    config.write_text(CONFIG.replace("entsoe_burst", "entsoe_burts"), encoding="utf-8")

    result = start(
        GRIDSTREAM_CONFIG=str(config),
        GRIDSTREAM_DATABASE_URL="postgresql://postgres@127.0.0.1:1/x",
        ENTSOE_API_TOKEN=TOKEN,
    )

    assert result.returncode == 2
    assert "GRIDSTREAM_CONFIG: collector.entsoe_burts: unknown setting" in result.stderr
    assert "did you mean 'entsoe_burst'" in result.stderr
    assert "a_scheduler_setting" not in result.stderr  # another service's section is ignored
