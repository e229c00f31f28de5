"""Page speed at province scale: a partial index of the escalations among the concern events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("concern_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concern_events_escalations",
            ["concern_id", "id"],
            unique=False,
            postgresql_where=sa.text("kind = 'escalation'"),
            sqlite_where=sa.text("kind = 'escalation'"),
        )


def downgrade():
    with op.batch_alter_table("concern_events", schema=None) as batch_op:
        batch_op.drop_index("ix_concern_events_escalations")
