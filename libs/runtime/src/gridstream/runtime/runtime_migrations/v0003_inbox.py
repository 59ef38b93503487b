"""Runtime migration 0003: the inbox, the event ids each consumer of this schema has processed.

A consumer records an event id in the transaction of its effects and skips an id it already
holds, so a message redelivered (or republished) after JetStream's duplicate window changes
nothing. Rows older than the inbox retention are purged.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gridstream.runtime.migrations import target_schema

revision = "gridstream_runtime_0003"
down_revision = "gridstream_runtime_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``<schema>.inbox`` keyed by (consumer, event_id)."""
    schema = target_schema()
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column(
            "processed_at",
            sa.TIMESTAMP(timezone=True),
            nullable=False,
            server_default=sa.func.clock_timestamp(),
        ),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="inbox_pkey"),
        schema=schema,
    )
    op.create_index("inbox_processed_at_idx", "inbox", ["processed_at"], schema=schema)


def downgrade() -> None:
    """Drop the inbox."""
    op.drop_table("inbox", schema=target_schema())
