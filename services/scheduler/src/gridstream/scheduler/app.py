"""Composition root: settings -> the runtime kit, firing loop -> outcome handlers and the API."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gridstream.contracts import utcnow
from gridstream.runtime import OutboxRelay, ServiceKit, ServiceRunner, instance_id
from gridstream.scheduler.api import ApiDeps, build_routes
from gridstream.scheduler.desired import apply_desired_state
from gridstream.scheduler.firing import FiringDeps, FiringLoop
from gridstream.scheduler.handlers import OutcomeDeps, register_handlers
from gridstream.scheduler.settings import SchedulerSettings

VERSION = "0.1.0"
MIGRATIONS = "gridstream.scheduler.migrations.versions"


@dataclass(frozen=True, slots=True)
class Scheduler:
    """A wired scheduler process; `runner` starts and stops all of it."""

    settings: SchedulerSettings
    runner: ServiceRunner
    firing: FiringLoop
    relay: OutboxRelay
    owner: str


def build_scheduler(
    settings: SchedulerSettings,
    *,
    clock: Callable[[], datetime] = utcnow,
    owner: str | None = None,
) -> Scheduler:
    """Wire one scheduler process from its settings; nothing connects until it is started."""
    kit = ServiceKit.build(settings, VERSION)
    owner = owner or instance_id()
    firing = FiringLoop(
        FiringDeps(
            sessions=kit.sessions,
            clock=clock,
            owner=owner,
            lease_seconds=settings.lease_seconds,
            max_idle=settings.max_idle,
            outcome_timeout=settings.outcome_timeout,
            history_retention=settings.history_retention,
            untracked=frozenset(settings.untracked_command_types),
        )
    )
    register_handlers(
        kit.broker, OutcomeDeps(kit.sessions, clock, settings.service_name, firing.wake)
    )

    async def apply_configuration() -> None:
        await apply_desired_state(kit.sessions, settings, clock())

    api = ApiDeps(kit.sessions, clock, settings.admin_token, owner, firing.wake)
    runner = kit.runner(
        kit.faststream_app(MIGRATIONS, prepare=[apply_configuration]),
        kit.health_app(build_routes(api)),
        background=[kit.heartbeat(owner, clock), firing],
    )
    return Scheduler(settings, runner, firing, kit.relay, owner)
