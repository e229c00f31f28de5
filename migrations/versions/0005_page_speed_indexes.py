"""Page speed at province scale: indexes of the open concerns, the resolved ones and the escalations

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


OPEN = "status IN ('new', 'in_progress', 'referred')"
RESOLVED = "status = 'resolved'"


def upgrade():
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concerns_open",
            [
                "village_id",
                "status",
                "priority",
                "category_id",
                "due_date",
                "referral_due_date",
                "created_at",
                "assignee_id",
            ],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )
        batch_op.create_index(
            "ix_concerns_resolved",
            ["resolved_at", "created_at", "village_id"],
            unique=False,
            postgresql_where=sa.text(RESOLVED),
            sqlite_where=sa.text(RESOLVED),
        )
        batch_op.create_index("ix_concerns_created_village", ["created_at", "village_id"], unique=False)
    with op.batch_alter_table("concern_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concern_events_escalations",
            ["concern_id", "id"],
            unique=False,
            postgresql_where=sa.text("kind = 'escalation'"),
            sqlite_where=sa.text("kind = 'escalation'"),
        )


def downgrade():
    # IF EXISTS: a database upgraded by an earlier draft of this revision had the escalations' index only.
    for name in (
        "ix_concerns_created_village",
        "ix_concerns_resolved",
        "ix_concerns_open",
        "ix_concern_events_escalations",
    ):
        op.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))
