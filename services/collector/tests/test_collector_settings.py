"""The collector process refuses a bad configuration at start, naming the setting, never a secret."""

import os
import subprocess
import sys

import pytest

TOKEN = "tok-3b9d1e7f"  # a test token, searched for in the output


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


def test_missing_token_is_named() -> None:
    result = start(GRIDSTREAM_DATABASE_URL="postgresql://postgres@127.0.0.1:1/x")
    assert result.returncode == 2
    assert "ENTSOE_API_TOKEN" in result.stderr
