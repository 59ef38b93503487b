"""python -m gridstream.entsoe_sim: serves the API on the given port, keeps tokens out of its logs."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gridstream.collector.entsoe.parser import parse_document
from gridstream.testing import free_port, wait_until

TOKEN = "runner-token-93ab1"


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Start the runner as a child process; yield its URL and log file; stop it afterwards."""
    port = free_port()
    log = tmp_path / "sim.log"
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([{"kind": "http_503", "document_type": "A44", "next_n": 1}]))
    command = [
        sys.executable, "-m", "gridstream.entsoe_sim", "--port", str(port), "--seed", "3",
        "--token", TOKEN, "--now", "2026-01-10T12:00:00Z", "--faults", str(faults),
        "--admin-token", "runner-admin",
    ]  # fmt: skip
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=15)


async def test_runner_serves_the_api(runner: tuple[str, Path]) -> None:
    url, log = runner
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:

        async def healthy() -> bool:
            try:
                return (await client.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await wait_until(healthy, timeout=30.0)
        params = {
            "documentType": "A44",
            "in_Domain": "10YNL----------L",
            "out_Domain": "10YNL----------L",
            "periodStart": "202406142200",
            "periodEnd": "202406152200",
            "securityToken": TOKEN,
        }
        assert (await client.get("/api", params=params)).status_code == 503  # fault from the file
        response = await client.get("/api", params=params)
        assert response.status_code == 200
        assert parse_document(response.content).kind == "data"
        assert (await client.get("/admin/stats")).status_code == 401
        stats = await client.get("/admin/stats", headers={"Authorization": "Bearer runner-admin"})
        assert stats.json()["total"] == 2
    text = log.read_text()
    assert "securityToken=***" in text
    assert TOKEN not in text


def test_runner_refuses_to_start_without_a_token() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gridstream.entsoe_sim", "--port", str(free_port())],
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
        env={name: value for name, value in os.environ.items() if name != "ENTSOE_SIM_TOKENS"},
    )
    assert done.returncode == 2
    assert "give at least one --token" in done.stderr
