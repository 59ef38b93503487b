"""The scheduler's tables (migrations 0001 and 0002), reached through the search_path."""

from sqlalchemy import (
    TIMESTAMP,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

TZ = TIMESTAMP(timezone=True)
metadata = MetaData()

schedules = Table(
    "schedules",
    metadata,
    Column("name", Text, primary_key=True),
    Column("spec", JSONB, nullable=False),
    Column("source", Text, nullable=False),
    Column("paused", Boolean, nullable=False),
    Column("next_fire", TZ),
    Column("last_fire", TZ),
    Column("created_at", TZ),
    Column("updated_at", TZ),
)

fires = Table(
    "fires",
    metadata,
    Column("schedule", Text, primary_key=True),
    Column("fire_time", TZ, primary_key=True),
    Column("status", Text, nullable=False),
    Column("command_id", UUID(as_uuid=True)),
    Column("command_subject", Text),
    Column("manual", Boolean, nullable=False, default=False),
    Column("recorded_at", TZ, nullable=False),
    Column("published_at", TZ),
    Column("finished_at", TZ),
    Column("duration_seconds", Float),
    Column("points", Integer),
    Column("error", Text),
    Column("jobs_total", Integer),
    Column("jobs_done", Integer, nullable=False, default=0),
    Column("command_type", Text),  # migration 0002
    # The database's clock (retention); recorded_at is the scheduler's clock at the fire.
    Column("created_at", TZ, nullable=False, server_default=func.now()),
)

OPEN = ("published", "buffered")
"""Fire statuses still waiting for something (an outcome, or their turn to publish)."""
