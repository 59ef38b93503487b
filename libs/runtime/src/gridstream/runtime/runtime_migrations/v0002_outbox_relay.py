"""Runtime migration 0002: outbox rows can be set aside; the relay's lease row.

``outbox.set_aside_at`` marks a row that could not be published after the relay's attempt limit
(its ``last_error`` says why); such rows no longer block the rows behind them. ``outbox_relay`` holds
one row, the lease of the replica relaying this schema, timed by the database clock, so no
transaction or advisory lock is held open across network publishes.
"""

import sqlalchemy as sa
from alembic import op

from gridstream.runtime.migrations import target_schema

revision = "gridstream_runtime_0002"
down_revision = "gridstream_runtime_0001"
branch_labels = None
depends_on = None

_TZ = sa.TIMESTAMP(timezone=True)


def upgrade() -> None:
    """Add ``outbox.set_aside_at``, re-index pending rows, create ``outbox_relay``."""
    schema = target_schema()
    op.add_column("outbox", sa.Column("set_aside_at", _TZ, nullable=True), schema=schema)
    op.drop_index("outbox_pending_idx", table_name="outbox", schema=schema)
    op.create_index(
        "outbox_pending_idx",
        "outbox",
        ["id"],
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL AND set_aside_at IS NULL"),
    )
    op.create_index(
        "outbox_set_aside_idx",
        "outbox",
        ["id"],
        schema=schema,
        postgresql_where=sa.text("set_aside_at IS NOT NULL"),
    )
    op.create_table(
        "outbox_relay",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner", sa.Text, nullable=True),
        sa.Column("lease_until", _TZ, nullable=False, server_default=sa.text("'epoch'")),
        sa.CheckConstraint("id = 1", name="outbox_relay_single_row"),
        schema=schema,
    )
    op.execute(f'INSERT INTO "{schema}".outbox_relay (id) VALUES (1)')


def downgrade() -> None:
    """Drop ``outbox_relay`` and ``outbox.set_aside_at``."""
    schema = target_schema()
    op.drop_table("outbox_relay", schema=schema)
    op.drop_index("outbox_set_aside_idx", table_name="outbox", schema=schema)
    op.drop_index("outbox_pending_idx", table_name="outbox", schema=schema)
    op.drop_column("outbox", "set_aside_at", schema=schema)
    op.create_index(
        "outbox_pending_idx",
        "outbox",
        ["id"],
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
    )
