"""Entry point: `python -m gridstream.scheduler` runs one scheduler process until SIGTERM."""

import asyncio

from gridstream.runtime import configure_logging, settings_or_exit
from gridstream.scheduler.app import build_scheduler
from gridstream.scheduler.settings import SchedulerSettings


def main() -> None:
    """Load settings (exit 2 naming bad fields), configure logging, run until stopped."""
    settings = settings_or_exit(SchedulerSettings)
    configure_logging(settings.log_level, settings.service_name, secrets=settings.secret_values())
    asyncio.run(build_scheduler(settings).runner.run())


if __name__ == "__main__":
    main()
