"""Collector schema: series, observations (hypertable on TimescaleDB), revisions, backfill jobs, limiter.

Revision ID: 0001_collector_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

from gridstream.runtime.migrations import target_schema

revision = "0001_collector_initial"
down_revision = None
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the collector tables; make observations a hypertable where TimescaleDB exists."""
    schema = target_schema()
    op.create_table(
        "series",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("area", sa.Text, nullable=False),
        sa.Column("data_type", sa.Text, nullable=False),
        sa.Column("qualifier", sa.Text, nullable=False, server_default=""),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("created_at", _TZ, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("area", "data_type", "qualifier", name="series_key"),
        schema=schema,
    )
    op.create_table(
        "observations",
        sa.Column("series_id", sa.Integer, sa.ForeignKey(f"{schema}.series.id"), nullable=False),
        sa.Column("ts", _TZ, nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("resolution", sa.Text, nullable=False),
        sa.Column("first_seen", _TZ, nullable=False),
        sa.Column("last_changed", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("series_id", "ts", name="observations_pkey"),
        schema=schema,
    )
    op.create_table(
        "revisions",
        sa.Column("series_id", sa.Integer, nullable=False),
        sa.Column("ts", _TZ, nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("resolution", sa.Text, nullable=False),
        sa.Column("valid_from", _TZ, nullable=False),
        sa.Column("valid_to", _TZ, nullable=False),
        schema=schema,
    )
    op.create_index(
        "revisions_lookup", "revisions", ["series_id", "ts", "valid_from"], schema=schema
    )
    op.create_table(
        "backfill_jobs",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("command_id", sa.Uuid, nullable=False),
        sa.Column("correlation_id", sa.Uuid, nullable=False),
        sa.Column("area", sa.Text, nullable=False),
        sa.Column("data_type", sa.Text, nullable=False),
        sa.Column("to_area", sa.Text, nullable=True),
        sa.Column("window_start", _TZ, nullable=False),
        sa.Column("window_end", _TZ, nullable=False),
        sa.Column("cursor", _TZ, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("jobs_total", sa.Integer, nullable=False, server_default="1"),
        sa.Column("chunks_total", sa.Integer, nullable=False),
        sa.Column("chunks_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("requests", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("points_written", sa.Integer, nullable=False, server_default="0"),
        sa.Column("points_changed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("locked_by", sa.Text, nullable=True),
        sa.Column("lease_until", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", _TZ, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("command_id", "window_start", name="backfill_command_range"),
        schema=schema,
    )
    op.create_index(
        "backfill_jobs_family", "backfill_jobs", ["area", "data_type", "status"], schema=schema
    )
    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.Text, primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False, server_default=sa.func.clock_timestamp()),
        sa.Column(
            "cooldown_until", _TZ, nullable=False, server_default=sa.text("'epoch'::timestamptz")
        ),
        schema=schema,
    )
    _timescale_or_index(schema)


def _timescale_or_index(schema: str) -> None:
    bind = op.get_bind()
    has_timescale = bind.execute(
        sa.text("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
    ).scalar()
    if not has_timescale:
        # Plain PostgreSQL: the primary key already indexes (series_id, ts); add ts for range scans.
        op.create_index("observations_ts", "observations", ["ts"], schema=schema)
        return
    op.execute(
        f"SELECT create_hypertable('{schema}.observations', 'ts', "
        "chunk_time_interval => INTERVAL '30 days', migrate_data => true)"
    )
    # Compressed chunks accept INSERT/UPDATE since TimescaleDB 2.11, so late backfills and
    # revisions still land; compress only data older than any routine revision look-back.
    op.execute(
        f"ALTER TABLE {schema}.observations SET (timescaledb.compress, "
        "timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'ts')"
    )
    op.execute(f"SELECT add_compression_policy('{schema}.observations', INTERVAL '90 days')")


def downgrade() -> None:
    """Drop the collector tables."""
    schema = target_schema()
    for table in ("rate_limits", "backfill_jobs", "revisions", "observations", "series"):
        op.drop_table(table, schema=schema)
