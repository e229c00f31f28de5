"""Page speed at province scale: the open concerns by effective due date, the latest escalations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# As tracker.models writes them (OPEN_SQL, EFFECTIVE_DUE_SQL); copied, a migration must not change with the models.
OPEN = "status IN ('new', 'in_progress', 'referred')"
EFFECTIVE_DUE = (
    "(CASE WHEN status = 'referred' AND referral_due_date IS NOT NULL THEN referral_due_date ELSE due_date END)"
)
ESCALATION = "kind = 'escalation'"


def upgrade():
    op.create_index(
        "ix_concerns_open_due",
        "concerns",
        [sa.text(EFFECTIVE_DUE), "created_at", "id"],
        unique=False,
        postgresql_where=sa.text(OPEN),
        sqlite_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_concern_events_escalations_latest",
        "concern_events",
        ["created_at", "id"],
        unique=False,
        postgresql_where=sa.text(ESCALATION),
        sqlite_where=sa.text(ESCALATION),
    )


def downgrade():
    op.drop_index("ix_concern_events_escalations_latest", table_name="concern_events")
    op.drop_index("ix_concerns_open_due", table_name="concerns")
