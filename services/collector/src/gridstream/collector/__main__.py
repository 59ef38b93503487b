"""Entry point: `python -m gridstream.collector` runs one collector process until SIGTERM."""

import asyncio

from gridstream.collector.app import build_collector
from gridstream.collector.settings import CollectorSettings
from gridstream.runtime import configure_logging, settings_or_exit


def main() -> None:
    """Load settings (exit 2 naming bad fields), configure logging, run until stopped."""
    settings = settings_or_exit(CollectorSettings)
    configure_logging(settings.log_level, settings.service_name, secrets=settings.secret_values())
    asyncio.run(build_collector(settings).runner.run())


if __name__ == "__main__":
    main()
