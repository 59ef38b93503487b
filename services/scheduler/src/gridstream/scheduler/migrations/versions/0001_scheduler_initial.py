"""Scheduler schema: schedules (spec, next and last fire, source, paused) and the fire history.

Revision ID: 0001_scheduler_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gridstream.runtime.migrations import target_schema

revision = "0001_scheduler_initial"
down_revision = None
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)
_STATUSES = "'published','succeeded','failed','lost','missed','skipped','buffered'"


def upgrade() -> None:
    """Create ``schedules`` and ``fires`` with the indexes the firing loop and handlers use."""
    schema = target_schema()
    op.create_table(
        "schedules",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("spec", postgresql.JSONB, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("next_fire", _TZ, nullable=True),
        sa.Column("last_fire", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", _TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("source IN ('config','api','default')", name="schedules_source"),
        schema=schema,
    )
    op.create_table(
        "fires",
        sa.Column("schedule", sa.Text, nullable=False),
        sa.Column("fire_time", _TZ, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("command_id", postgresql.UUID(as_uuid=True), nullable=True, unique=True),
        sa.Column("command_subject", sa.Text, nullable=True),
        sa.Column("manual", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("recorded_at", _TZ, nullable=False),
        sa.Column("published_at", _TZ, nullable=True),
        sa.Column("finished_at", _TZ, nullable=True),
        sa.Column("duration_seconds", sa.Float, nullable=True),
        sa.Column("points", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("jobs_total", sa.Integer, nullable=True),
        sa.Column("jobs_done", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("schedule", "fire_time", name="fires_pkey"),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="fires_status"),
        schema=schema,
    )
    op.create_index(
        "fires_open_idx",
        "fires",
        ["schedule", "fire_time"],
        schema=schema,
        postgresql_where=sa.text("status IN ('published','buffered')"),
    )
    op.create_index("fires_recorded_idx", "fires", ["recorded_at"], schema=schema)


def downgrade() -> None:
    """Drop the scheduler tables."""
    schema = target_schema()
    op.drop_table("fires", schema=schema)
    op.drop_table("schedules", schema=schema)
