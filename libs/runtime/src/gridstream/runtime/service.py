"""Runs one service process: the HTTP server, the broker app, and background parts, started and
stopped together in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import signal
import socket
from collections.abc import Awaitable, Callable, Generator, Sequence
from typing import Any, Protocol

import uvicorn

from gridstream.runtime.errors import StartupError

logger = logging.getLogger(__name__)


class Lifecycle(Protocol):
    """Anything started and stopped with the service (FastStream app, broker, relay, heartbeat)."""

    async def start(self) -> None:
        """Start; return once running."""

    async def stop(self) -> None:
        """Stop; return once stopped."""


class ServiceStartError(StartupError, RuntimeError):
    """The service could not start (e.g. the HTTP port is taken)."""


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the runner owns SIGINT/SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class ServiceRunner:
    """Starts HTTP, then the broker app, then background parts; stops them in reverse order.

    ``on_stop`` callbacks run last (e.g. ``engine.dispose``, telemetry shutdown). Use
    ``await runner.run()`` in an entry point (returns after SIGINT/SIGTERM or ``exit()``), or
    ``async with runner:`` in tests. An HTTP port of 0 picks a free one (see ``port``).
    """

    def __init__(
        self,
        app: Lifecycle,
        asgi_app: Callable[..., Any],
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        background: Sequence[Lifecycle] = (),
        on_stop: Sequence[Callable[[], Awaitable[object]]] = (),
        shutdown_timeout: float = 10.0,
    ) -> None:
        self._app = app
        self._asgi_app = asgi_app
        self._host = host
        self._requested_port = port
        self._background = tuple(background)
        self._on_stop = tuple(on_stop)
        self._shutdown_timeout = shutdown_timeout
        self._server: _Server | None = None
        self._server_task: asyncio.Task[None] | None = None
        self._exit = asyncio.Event()
        self.port: int | None = None

    @property
    def url(self) -> str:
        """Base URL of the HTTP server once started."""
        if self.port is None:
            raise ServiceStartError("the service is not started")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Start everything; on a failure, stop what already started and raise."""
        try:
            await self._start_http()
            await self._app.start()
            for part in self._background:
                await part.start()
        except BaseException:
            await self.stop()
            raise
        logger.info("service started", extra={"http_port": self.port})

    async def stop(self) -> None:
        """Stop everything in reverse order; errors are logged and do not stop the rest."""
        for part in reversed(self._background):
            await _quietly(part.stop, f"stopping {type(part).__name__}")
        await _quietly(self._app.stop, "stopping the broker app")
        await _quietly(self._stop_http, "stopping the HTTP server")
        for callback in self._on_stop:
            await _quietly(callback, "running a shutdown callback")

    def exit(self) -> None:
        """Ask ``run()`` to stop the service."""
        self._exit.set()

    async def run(self) -> None:
        """Start, wait for SIGINT/SIGTERM (or ``exit()``), then stop."""
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM)
        for sig in signals:
            loop.add_signal_handler(sig, self.exit)
        try:
            await self.start()
            await self._exit.wait()
            logger.info("service stopping")
        finally:
            for sig in signals:
                loop.remove_signal_handler(sig)
            await self.stop()

    async def __aenter__(self) -> ServiceRunner:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def _start_http(self) -> None:
        sock = _bind(self._host, self._requested_port)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self._asgi_app,
            log_config=None,  # uvicorn logs go through the service's JSON logging
            access_log=False,  # probes every few seconds would drown the log
            timeout_graceful_shutdown=math.ceil(self._shutdown_timeout),
        )
        server = self._server = _Server(config)
        self._server_task = asyncio.create_task(_serve(server, sock), name="gridstream-http")
        while not server.started:
            if self._server_task.done():
                self._server_task.result()
                raise ServiceStartError("the HTTP server stopped during start-up")
            await asyncio.sleep(0.01)

    async def _stop_http(self) -> None:
        server, task = self._server, self._server_task
        self._server = self._server_task = None
        if server is None or task is None:
            return
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), self._shutdown_timeout + 1)
        except TimeoutError:
            server.force_exit = True
            await task


def _bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket here, so a taken port is a clear error rather than sys.exit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, reuse_port=False)
    except OSError as exc:
        raise ServiceStartError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


async def _serve(server: _Server, sock: socket.socket) -> None:
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:  # uvicorn exits the process when the app's lifespan fails
        raise ServiceStartError("the HTTP app failed to start (see the log)") from exc
    finally:
        sock.close()


async def _quietly(action: Callable[[], Awaitable[object]], what: str) -> None:
    try:
        await action()
    except Exception:
        logger.exception("error while %s", what)
