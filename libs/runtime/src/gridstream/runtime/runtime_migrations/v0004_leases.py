"""Runtime migration 0004: named leases, one row per lease, timed by the database clock.

A service that must run something on exactly one replica (the scheduler's firing loop) holds a
lease row here. ``lease_until`` is compared with PostgreSQL's clock only, so replicas whose clocks
disagree still agree on who holds it; see ``gridstream.runtime.lease``.
"""

import sqlalchemy as sa
from alembic import op

from gridstream.runtime.migrations import target_schema

revision = "gridstream_runtime_0004"
down_revision = "gridstream_runtime_0003"
branch_labels = None
depends_on = None

_TZ = sa.TIMESTAMP(timezone=True)


def upgrade() -> None:
    """Create ``<schema>.leases`` keyed by name."""
    op.create_table(
        "leases",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=True),
        sa.Column("lease_until", _TZ, nullable=False, server_default=sa.text("'epoch'")),
        sa.Column("acquired_at", _TZ, nullable=True),
        schema=target_schema(),
    )


def downgrade() -> None:
    """Drop the leases."""
    op.drop_table("leases", schema=target_schema())
