"""Fires record their command type and when the database stored them.

``command_type``: fires of untracked command types (no service publishes their outcome event
yet) stay open without holding back their schedule or being marked lost. ``created_at``: the
database clock's time of the row, which history retention is measured by (``recorded_at`` stays
the scheduler's clock at the fire, as the fire-precision figures read it).

Revision ID: 0002_fires_type_and_created
Revises: 0001_scheduler_initial
"""

import sqlalchemy as sa
from alembic import op

from gridstream.runtime.migrations import target_schema

revision = "0002_fires_type_and_created"
down_revision = "0001_scheduler_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``fires.command_type`` and ``fires.created_at``, filled in for existing fires."""
    schema = target_schema()
    op.add_column("fires", sa.Column("command_type", sa.Text, nullable=True), schema=schema)
    op.add_column(
        "fires",
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=schema,
    )
    op.execute(
        sa.text(
            f"UPDATE \"{schema}\".fires AS f SET command_type = s.spec ->> 'command_type' "
            f'FROM "{schema}".schedules AS s '
            "WHERE s.name = f.schedule AND f.command_id IS NOT NULL"
        )
    )
    op.execute(sa.text(f'UPDATE "{schema}".fires SET created_at = recorded_at'))
    op.drop_index("fires_recorded_idx", "fires", schema=schema)
    op.create_index("fires_created_idx", "fires", ["created_at"], schema=schema)


def downgrade() -> None:
    """Drop ``fires.command_type`` and ``fires.created_at``."""
    schema = target_schema()
    op.create_index("fires_recorded_idx", "fires", ["recorded_at"], schema=schema)
    op.drop_index("fires_created_idx", "fires", schema=schema)
    op.drop_column("fires", "created_at", schema=schema)
    op.drop_column("fires", "command_type", schema=schema)
