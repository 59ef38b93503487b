"""A `python -m gridstream.scheduler` process configured by environment, and its /v1/leader."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gridstream.testing import free_port


@dataclass(frozen=True)
class Process:
    """A running scheduler process and its API's URL."""

    process: asyncio.subprocess.Process
    url: str

    @property
    def pid(self) -> int:
        """The process id (the end of its instance id, host-pid)."""
        return self.process.pid

    async def leader(self) -> str | None:
        """Who holds the firing lease, as this process's API says; None if it does not answer."""
        try:
            async with httpx.AsyncClient(timeout=2.0) as http:
                leader: str | None = (await http.get(f"{self.url}/v1/leader")).json()["leader"]
        except (httpx.HTTPError, ValueError, KeyError):
            return None
        return leader

    async def leads(self) -> bool:
        """True when this process holds the firing lease."""
        leader = await self.leader()
        return leader is not None and leader.endswith(f"-{self.pid}")

    async def wait_ready(self, timeout: float = 90.0) -> None:  # noqa: ASYNC109
        """Wait until its API answers /v1/leader (the process has started)."""
        async with asyncio.timeout(timeout):
            while True:
                if self.process.returncode is not None:
                    raise RuntimeError(f"scheduler {self.pid} exited ({self.process.returncode})")
                try:
                    async with httpx.AsyncClient(timeout=2.0) as http:
                        if (await http.get(f"{self.url}/v1/leader")).status_code == 200:
                            return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)


def environment(
    database_url: str, nats_url: str, schedules: list[dict[str, Any]], **settings: Any
) -> dict[str, str]:
    """The environment of a scheduler process: servers, schedules, no defaults, other settings."""
    env = {
        **os.environ,
        "GRIDSTREAM_DATABASE_URL": database_url,
        "GRIDSTREAM_NATS_URL": nats_url,
        "GRIDSTREAM_DEFAULT_SCHEDULES_ENABLED": "false",
        "GRIDSTREAM_SCHEDULES": json.dumps(schedules),
    }
    env |= {f"GRIDSTREAM_{key.upper()}": str(value) for key, value in settings.items()}
    return env


@asynccontextmanager
async def scheduler_process(env: dict[str, str], log: Path) -> AsyncIterator[Process]:
    """Start one scheduler process (its output appended to ``log``); SIGTERM it at the end."""
    port = free_port()
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gridstream.scheduler",
            env={**env, "GRIDSTREAM_HTTP_PORT": str(port)},
            stdout=out,
            stderr=out,
        )
    try:
        yield Process(process, f"http://127.0.0.1:{port}")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
        await process.wait()
