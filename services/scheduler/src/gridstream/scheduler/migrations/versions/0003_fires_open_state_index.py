"""The open-fire lookups of a firing round are answered from one partial index.

Every round asks, for each schedule, whether a published fire still waits for its outcome and
which fire is buffered. ``fires_open_idx`` (0001) found the schedule's open fires but not their
status or type: each candidate was read from the table to check them. ``fires_open_state_idx``
keys open fires by (schedule, status, fire_time) and carries command_type and published_at, so
those checks (and the lost-fire sweep) read the index only. It supersedes ``fires_open_idx``.

Revision ID: 0003_fires_open_state_index
Revises: 0002_fires_type_and_created
"""

import sqlalchemy as sa
from alembic import op

from gridstream.runtime.migrations import target_schema

revision = "0003_fires_open_state_index"
down_revision = "0002_fires_type_and_created"
branch_labels = None
depends_on = None

_OPEN = sa.text("status IN ('published','buffered')")


def upgrade() -> None:
    """Create ``fires_open_state_idx``; drop ``fires_open_idx``, which it covers."""
    schema = target_schema()
    op.create_index(
        "fires_open_state_idx",
        "fires",
        ["schedule", "status", "fire_time"],
        schema=schema,
        postgresql_include=["command_type", "published_at"],
        postgresql_where=_OPEN,
    )
    op.drop_index("fires_open_idx", "fires", schema=schema)


def downgrade() -> None:
    """Bring ``fires_open_idx`` back and drop ``fires_open_state_idx``."""
    schema = target_schema()
    op.create_index(
        "fires_open_idx",
        "fires",
        ["schedule", "fire_time"],
        schema=schema,
        postgresql_where=_OPEN,
    )
    op.drop_index("fires_open_state_idx", "fires", schema=schema)
