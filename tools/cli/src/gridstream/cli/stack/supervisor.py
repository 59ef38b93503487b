"""`gridstream up` in motion: start NATS, PostgreSQL, the simulator and the services; stop in order."""

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TextIO, TypeVar

from pydantic import SecretStr

from gridstream.cli.errors import CliError
from gridstream.cli.stack.config import DATABASE_NAME, StackConfig
from gridstream.cli.stack.echo import LogEcho
from gridstream.cli.stack.leftovers import record_child, stop_leftovers
from gridstream.cli.stack.nats import nats_child, wait_for_jetstream
from gridstream.cli.stack.ports import check_ports
from gridstream.cli.stack.postgres import LocalPostgres, ensure_database, start_postgres
from gridstream.cli.stack.processes import Child, log_tail
from gridstream.cli.stack.report import Endpoints, banner, death_report
from gridstream.cli.stack.services import (
    local_token,
    service_child,
    service_url,
    sim_child,
    sim_url,
    wait_until_ready,
)
from gridstream.cli.stack.state import data_dir_lock, write_state

T = TypeVar("T")
_SERVER_START_SECONDS = 30.0
_NATS_STOP_SECONDS = 10.0
_POSTGRES_POLL_SECONDS = 1.0


class StartInterruptedError(Exception):
    """SIGINT or SIGTERM arrived while the stack was starting."""


class Supervisor:
    """Runs the stack until a signal (exit 0) or until one of its processes ends (exit 1)."""

    def __init__(self, config: StackConfig, out: TextIO, err: TextIO):
        self.config = config
        self.out = out
        self.err = err
        self._stop = asyncio.Event()
        self._trouble: asyncio.Queue[str] = asyncio.Queue()
        self._watchers: list[asyncio.Task[None]] = []
        self._echo = LogEcho(out) if config.echo else None
        self._pids: dict[str, int] = {}
        self._logs: dict[str, Path] = {}

    def say(self, text: str) -> None:
        """One line of progress for the user."""
        print(text, file=self.out, flush=True)

    async def run(self) -> int:
        """Start everything, supervise, stop everything in order; the exit status."""
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        with data_dir_lock(self.config.data_dir):
            await self._stop_leftovers()
            check_ports(self.config.host, self.config.port_flags())
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self._stop.set)
            echo = asyncio.create_task(self._echo.run()) if self._echo else None
            try:
                async with AsyncExitStack() as resources:
                    # Registered first, so it runs last: once every child has stopped.
                    resources.callback(self.config.children_file.unlink, missing_ok=True)
                    status = await self._run(resources)
            finally:
                for signum in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(signum)
                for task in [*self._watchers, *([echo] if echo else [])]:
                    task.cancel()
                if self._echo is not None:
                    self._echo.flush()
        self.say("gridstream stopped")
        return status

    async def _stop_leftovers(self) -> None:
        """Stop what a killed `up` left running; its stale state file goes too."""
        stopped = await asyncio.to_thread(stop_leftovers, self.config.children_file)
        if stopped:
            listed = ", ".join(stopped)
            self.say(f"stopped what a previous `gridstream up` left running: {listed}")
        await asyncio.to_thread(self.config.state_file.unlink, missing_ok=True)

    async def _run(self, resources: AsyncExitStack) -> int:
        try:
            endpoints = await self._start(resources)
        except StartInterruptedError:
            self.say("interrupted while starting; stopping what was started")
            return 0
        except CliError as exc:
            print(f"gridstream up: {exc}", file=self.err, flush=True)
            return 1
        state = self.config.state_file
        resources.callback(state.unlink, missing_ok=True)
        # The banner goes out before the state file appears: tools that wait for the state file
        # (and the tests) then find the banner complete.
        self.say(banner(self.config, endpoints, os.getpid(), self._admin_token()))
        write_state(state, self._state(endpoints))
        return await self._supervise()

    async def _supervise(self) -> int:
        stop = asyncio.create_task(self._stop.wait())
        trouble = asyncio.create_task(self._trouble.get())
        await asyncio.wait({stop, trouble}, return_when=asyncio.FIRST_COMPLETED)
        for task in (stop, trouble):
            task.cancel()
        if trouble.done() and not trouble.cancelled():
            print(trouble.result(), file=self.err, flush=True)
            return 1
        self.say("stopping gridstream (signal received)")
        return 0

    async def _guard(self, work: Awaitable[T], what: str, timeout: float) -> T:  # noqa: ASYNC109
        """Await ``work`` unless a signal, a dying process or ``timeout`` comes first."""
        task = asyncio.ensure_future(work)
        stop = asyncio.create_task(self._stop.wait())
        trouble = asyncio.create_task(self._trouble.get())
        try:
            await asyncio.wait(
                {task, stop, trouble}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for pending in (task, stop, trouble):
                pending.cancel()
        if trouble.done() and not trouble.cancelled():
            raise CliError(trouble.result())
        if task.done() and not task.cancelled():
            return task.result()
        if stop.done() and not stop.cancelled():
            raise StartInterruptedError
        raise CliError(f"{what} did not become ready within {timeout:g}s")

    def _watch(self, child: Child) -> None:
        """Report the child's end unless the stack is stopping it."""
        if child.pid is not None:
            self._pids[child.name] = child.pid
            record_child(self.config.children_file, child.name, child.pid, child.argv)
        self._logs[child.name] = child.log_path

        async def watch() -> None:
            code = await child.wait()
            if not child.stopping:
                await self._trouble.put(
                    death_report(child.name, code, child.log_path, child.tail())
                )

        self._watchers.append(asyncio.create_task(watch()))
        if self._echo is not None:
            self._echo.add(child.name, child.log_path)

    async def _launch(self, child: Child, resources: AsyncExitStack, stop_timeout: float) -> None:
        resources.push_async_callback(self._stop_children, [child], stop_timeout)
        await child.start()
        self._watch(child)

    async def _stop_children(self, children: list[Child], timeout: float = 20.0) -> None:  # noqa: ASYNC109
        if children:
            self.say(f"stopping {', '.join(child.name for child in children)}")
            await asyncio.gather(*(child.stop(timeout) for child in children))

    async def _start(self, resources: AsyncExitStack) -> Endpoints:
        """Servers first, then the simulator, then the services; each stops in reverse order."""
        self.config.logs_dir.mkdir(parents=True, exist_ok=True)
        nats_url = await self._start_nats(resources)
        database_url = await self._start_postgres(resources)
        entsoe_env, simulator = await self._start_entsoe(resources)
        env = {"nats_url": nats_url, "database_url": database_url}
        urls = await self._start_services(resources, env, entsoe_env)
        return Endpoints(
            nats_url=nats_url,
            database_url=database_url,
            entsoe_url=entsoe_env["ENTSOE_API_URL"],
            simulator_url=simulator,
            services=urls,
            logs={**self._logs, "postgres": self.config.pgdata / "log"},
        )

    async def _start_nats(self, resources: AsyncExitStack) -> str:
        config = self.config
        log = config.logs_dir / "nats.log"
        nats = nats_child(config.host, config.nats_port, config.nats_dir, log)
        self.say(f"starting NATS JetStream on {config.host}:{config.nats_port}")
        await self._launch(nats, resources, _NATS_STOP_SECONDS)
        ready = wait_for_jetstream(nats, config.host, config.nats_port)
        await self._guard(ready, "NATS", _SERVER_START_SECONDS)
        return f"nats://{config.host}:{config.nats_port}"

    async def _start_services(
        self, resources: AsyncExitStack, urls: dict[str, str], entsoe_env: dict[str, str]
    ) -> dict[str, str]:
        """Start every installed service, then wait until all of them answer /readyz."""
        config = self.config
        services: list[Child] = []
        # One callback for all: the services stop together, before the servers they use.
        resources.push_async_callback(self._stop_children, services)
        token = self._admin_token()
        for spec in config.services:
            child = service_child(config, spec, entsoe=entsoe_env, admin_token=token, **urls)
            self.say(f"starting {spec.name} on {service_url(config, spec)}")
            services.append(child)
            await child.start()
            self._watch(child)
        bases = {spec.name: service_url(config, spec) for spec in config.services}
        ready = [wait_until_ready(child, bases[child.name] + "/readyz") for child in services]
        await self._guard(asyncio.gather(*ready), "the services", config.ready_timeout)
        return bases

    async def _start_postgres(self, resources: AsyncExitStack) -> str:
        self.say(f"starting PostgreSQL in {self.config.pgdata}")
        # pg_ctl blocks for a few seconds; a signal meanwhile is acted on once it returns.
        postgres = await asyncio.to_thread(start_postgres, self.config.pgdata)
        self._pids["postgres"] = postgres.pid
        stopping = asyncio.Event()

        async def stop() -> None:
            stopping.set()
            self.say("stopping PostgreSQL")
            await asyncio.to_thread(postgres.stop)

        resources.push_async_callback(stop)
        self._watchers.append(asyncio.create_task(self._watch_postgres(postgres, stopping)))
        if self._stop.is_set():
            raise StartInterruptedError
        return await self._guard(
            ensure_database(postgres, DATABASE_NAME), "PostgreSQL", _SERVER_START_SECONDS
        )

    async def _watch_postgres(self, postgres: LocalPostgres, stopping: asyncio.Event) -> None:
        """pg_ctl daemonises the server, so its end is noticed by polling its pid."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), _POSTGRES_POLL_SECONDS)
            if stopping.is_set():
                return
            if not postgres.alive():
                tail = log_tail(postgres.log_path)
                await self._trouble.put(death_report("PostgreSQL", None, postgres.log_path, tail))
                return

    async def _start_entsoe(self, resources: AsyncExitStack) -> tuple[dict[str, str], str | None]:
        """The collector's ENTSO-E settings: the simulator (started here) or the real API."""
        access = self.config.entsoe
        if not access.simulator:
            assert access.token is not None  # entsoe_access sets it whenever the simulator is off
            return {
                "ENTSOE_API_TOKEN": access.token.get_secret_value(),
                "ENTSOE_API_URL": access.url,
            }, None
        token = local_token(self.config.data_dir / "entsoe-sim.token")
        sim = sim_child(self.config, token)
        base = sim_url(self.config)
        self.say(f"starting the ENTSO-E simulator on {base}")
        await self._launch(sim, resources, 10.0)
        await self._guard(
            wait_until_ready(sim, base + "/healthz"), "the simulator", _SERVER_START_SECONDS
        )
        return {"ENTSOE_API_TOKEN": token, "ENTSOE_API_URL": f"{base}/api"}, base

    def _admin_token(self) -> SecretStr:
        """GRIDSTREAM_ADMIN_TOKEN when given, else the one generated for this data directory."""
        given = self.config.admin_token
        return given if given is not None else SecretStr(local_token(self.config.admin_token_file))

    def _state(self, endpoints: Endpoints) -> dict[str, object]:
        return {
            "pid": os.getpid(),
            "nats_url": endpoints.nats_url,
            "database_url": endpoints.database_url,
            "entsoe_url": endpoints.entsoe_url,
            "simulator_url": endpoints.simulator_url,
            "services": endpoints.services,
            "logs": {name: str(path) for name, path in endpoints.logs.items()},
            "pids": self._pids,
            "admin_token_file": str(self.config.admin_token_file),
        }
