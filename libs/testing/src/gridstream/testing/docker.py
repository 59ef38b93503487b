"""Docker path of server discovery: a fast engine ping, then NATS and PostgreSQL via testcontainers."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

NATS_IMAGE = "nats:2.11-alpine"
POSTGRES_IMAGE = "timescale/timescaledb:latest-pg16"
_PING = b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"


@dataclass(frozen=True)
class Container:
    """A started container: the URL to reach its server and how to remove it."""

    url: str
    stop: Callable[[], None]


def _candidate_endpoints() -> list[str]:
    host = os.environ.get("DOCKER_HOST")
    if host:
        return [host]
    paths = [Path("/var/run/docker.sock"), Path.home() / ".docker/run/docker.sock"]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        paths.append(Path(runtime) / "docker.sock")
    return [f"unix://{path}" for path in paths if path.exists()]


def _ping(endpoint: str, timeout: float) -> bool:
    parts = urlsplit(endpoint)
    try:
        if parts.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address: str | tuple[str, int] = parts.path
        elif parts.scheme in ("tcp", "http"):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = (parts.hostname or "127.0.0.1", parts.port or 2375)
        else:
            return False
        with sock:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.sendall(_PING)
            return sock.recv(64).split(b" ")[1:2] == [b"200"]
    except (OSError, IndexError):
        return False


def docker_available(timeout: float = 0.5) -> bool:
    """Return True when a Docker engine answers ``/_ping`` fast (``GRIDSTREAM_TEST_NO_DOCKER=1``: no)."""
    if os.environ.get("GRIDSTREAM_TEST_NO_DOCKER") == "1":
        return False
    return any(_ping(endpoint, timeout) for endpoint in _candidate_endpoints())


def start_nats_container(image: str = NATS_IMAGE) -> Container:
    """Start ``nats -js`` in a container and return its client URL once it logs readiness."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    container = (
        DockerContainer(image)
        .with_command("-js")
        .with_exposed_ports(4222)
        .waiting_for(LogMessageWaitStrategy("Server is ready"))
    )
    container.start()
    try:
        host = container.get_container_host_ip()
        port = container.get_exposed_port(4222)
    except Exception:
        container.stop()
        raise
    return Container(url=f"nats://{host}:{port}", stop=container.stop)


def start_postgres_container(image: str | None = None) -> Container:
    """Start PostgreSQL (TimescaleDB image unless ``GRIDSTREAM_TEST_POSTGRES_IMAGE``) and return its URL."""
    from testcontainers.community.postgres import PostgresContainer

    chosen = image or os.environ.get("GRIDSTREAM_TEST_POSTGRES_IMAGE", POSTGRES_IMAGE)
    container = PostgresContainer(
        chosen,
        username="postgres",
        password="postgres",  # noqa: S106 throwaway container dbname="postgres", driver=None
    )
    container.start()
    try:
        url: str = container.get_connection_url()
    except Exception:
        container.stop()
        raise
    return Container(url=url, stop=container.stop)
