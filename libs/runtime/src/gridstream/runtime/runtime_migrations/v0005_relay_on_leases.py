"""Runtime migration 0005: the outbox relay holds the named lease ``outbox`` in ``leases``.

Its own one-row table from migration 0002 is dropped: the runtime keeps one lease mechanism. A
relay that held the old row loses nothing: its next pass takes the new lease once it is free.
"""

import sqlalchemy as sa
from alembic import op

from gridstream.runtime.migrations import target_schema

revision = "gridstream_runtime_0005"
down_revision = "gridstream_runtime_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop ``outbox_relay``."""
    op.drop_table("outbox_relay", schema=target_schema())


def downgrade() -> None:
    """Recreate the one-row ``outbox_relay`` table (its lease starts free)."""
    schema = target_schema()
    op.create_table(
        "outbox_relay",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner", sa.Text, nullable=True),
        sa.Column(
            "lease_until",
            sa.TIMESTAMP(timezone=True),
            nullable=False,
            server_default=sa.text("'epoch'"),
        ),
        sa.CheckConstraint("id = 1", name="outbox_relay_single_row"),
        schema=schema,
    )
    op.execute(f'INSERT INTO "{schema}".outbox_relay (id) VALUES (1)')
