"""Serve an ASGI app with uvicorn inside the test's event loop, on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from typing import Any

from gridstream.testing.ports import free_port


@asynccontextmanager
async def run_uvicorn(
    app: Callable[..., Any],
    *,
    port: int | None = None,
    startup_timeout: float = 10.0,
    shutdown_timeout: float = 5.0,
    **config: Any,
) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 in this loop and yield ``http://127.0.0.1:<port>``.

    Extra keyword arguments go to ``uvicorn.Config``. Signal handlers are left alone.
    """
    import uvicorn

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            yield

    config.setdefault("log_level", "warning")
    config.setdefault("timeout_graceful_shutdown", shutdown_timeout)
    chosen = port or free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=chosen, **config))
    task = asyncio.create_task(server.serve(), name=f"uvicorn:{chosen}")
    try:
        deadline = asyncio.get_running_loop().time() + startup_timeout
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError(f"uvicorn exited before it started on port {chosen}")
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"uvicorn did not start on port {chosen} in {startup_timeout}s")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{chosen}"
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), shutdown_timeout + 1)
        except TimeoutError:
            server.force_exit = True
            await task
