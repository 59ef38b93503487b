"""Runtime migration 0001: the transactional outbox table of a service schema."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gridstream.runtime.migrations import target_schema

revision = "gridstream_runtime_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``<schema>.outbox`` and its indexes (pending rows by id; published rows by time)."""
    schema = target_schema()
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.BYTEA(), nullable=False),
        sa.Column(
            "headers",
            postgresql.JSONB(),
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
        sa.Column(
            "created_at",
            sa.TIMESTAMP(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("published_at", sa.TIMESTAMP(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        schema=schema,
    )
    op.create_index(
        "outbox_pending_idx",
        "outbox",
        ["id"],
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_index(
        "outbox_published_at_idx",
        "outbox",
        ["published_at"],
        schema=schema,
        postgresql_where=sa.text("published_at IS NOT NULL"),
    )


def downgrade() -> None:
    """Drop the outbox table (its indexes go with it)."""
    op.drop_table("outbox", schema=target_schema())
