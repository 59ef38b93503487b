"""gridstream runtime kit: settings, logs, telemetry, broker, database, outbox, inbox, health, heartbeat."""

from gridstream.runtime.broker import build_broker, durable_name, durable_subscriber
from gridstream.runtime.common import CommonConfig, HistoryStart, Lookback, SeriesOfInterest
from gridstream.runtime.config_file import SERVICE_SECTIONS
from gridstream.runtime.database import check_database, create_engine, session_maker
from gridstream.runtime.errors import (
    ConfigFileError,
    ConfigProblem,
    GridstreamError,
    PermanentError,
    PublishFailedError,
    StartupError,
    TransientError,
)
from gridstream.runtime.heartbeat import Heartbeat, instance_id
from gridstream.runtime.http import admin_only, build_health_app, database_check, nats_check
from gridstream.runtime.inbox import (
    InboxPurger,
    already_processed,
    mark_processed,
    purge_inbox,
)
from gridstream.runtime.kit import ServiceKit
from gridstream.runtime.lease import LeaseHolder, acquire_or_renew
from gridstream.runtime.lease import holder as lease_holder
from gridstream.runtime.lease import holds as holds_lease
from gridstream.runtime.lease import release as release_lease
from gridstream.runtime.logs import configure_logging
from gridstream.runtime.migrations import migrate_database, run_migrations, target_schema
from gridstream.runtime.outbox import add_all_to_outbox, add_to_outbox, notify_after_commit
from gridstream.runtime.publishing import publish, publish_raw
from gridstream.runtime.relay import OutboxRelay
from gridstream.runtime.service import ServiceRunner
from gridstream.runtime.settings import (
    ConfigurationError,
    ServiceSettings,
    fixed_env,
    load_settings,
    settings_or_exit,
)
from gridstream.runtime.streams import ensure_streams, to_jstream
from gridstream.runtime.telemetry import Telemetry, setup_telemetry

__all__ = [
    "SERVICE_SECTIONS",
    "CommonConfig",
    "ConfigFileError",
    "ConfigProblem",
    "ConfigurationError",
    "GridstreamError",
    "Heartbeat",
    "HistoryStart",
    "InboxPurger",
    "LeaseHolder",
    "Lookback",
    "OutboxRelay",
    "PermanentError",
    "PublishFailedError",
    "SeriesOfInterest",
    "ServiceKit",
    "ServiceRunner",
    "ServiceSettings",
    "StartupError",
    "Telemetry",
    "TransientError",
    "acquire_or_renew",
    "add_all_to_outbox",
    "add_to_outbox",
    "admin_only",
    "already_processed",
    "build_broker",
    "build_health_app",
    "check_database",
    "configure_logging",
    "create_engine",
    "database_check",
    "durable_name",
    "durable_subscriber",
    "ensure_streams",
    "fixed_env",
    "holds_lease",
    "instance_id",
    "lease_holder",
    "load_settings",
    "mark_processed",
    "migrate_database",
    "nats_check",
    "notify_after_commit",
    "publish",
    "publish_raw",
    "purge_inbox",
    "release_lease",
    "run_migrations",
    "session_maker",
    "settings_or_exit",
    "setup_telemetry",
    "target_schema",
    "to_jstream",
]
