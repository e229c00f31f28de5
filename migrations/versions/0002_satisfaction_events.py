"""Concern events may record the resident's satisfaction

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:35:00

"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD_KINDS = ("created", "status", "assignment", "priority", "note", "escalation", "attachment", "export")
NEW_KINDS = (*OLD_KINDS, "satisfaction")


def _kinds(kinds):
    return "kind IN ({})".format(", ".join(f"'{kind}'" for kind in kinds))


def upgrade():
    with op.batch_alter_table("concern_events") as batch_op:
        batch_op.drop_constraint(op.f("ck_concern_events_kind_allowed"), type_="check")
        batch_op.create_check_constraint("kind_allowed", _kinds(NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM concern_events WHERE kind = 'satisfaction'")
    with op.batch_alter_table("concern_events") as batch_op:
        batch_op.drop_constraint(op.f("ck_concern_events_kind_allowed"), type_="check")
        batch_op.create_check_constraint("kind_allowed", _kinds(OLD_KINDS))
