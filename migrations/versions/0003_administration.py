"""Administration: an audit trail of administrative actions; users' names folded for search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTIONS = (
    "user_created",
    "user_updated",
    "user_deactivated",
    "user_reactivated",
    "password_reset",
    "village_created",
    "village_updated",
    "villages_imported",
    "category_created",
    "category_updated",
    "category_retired",
    "category_reinstated",
)


def _fold(text):
    # The same folding as tracker.textsearch.fold at the time of writing (migrations do not import the app).
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def upgrade():
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("target_label", sa.String(length=200), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "action IN ({})".format(", ".join(f"'{action}'" for action in ACTIONS)),
            name=op.f("ck_audit_events_action_allowed"),
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_audit_events_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_audit_events_target", ["target_type", "target_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_name_folded", sa.String(length=120), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("full_name", sa.String()),
                     sa.column("full_name_folded", sa.String()))
    connection = op.get_bind()
    for user_id, full_name in connection.execute(sa.select(users.c.id, users.c.full_name)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(full_name_folded=_fold(full_name)))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("full_name_folded", existing_type=sa.String(length=120), nullable=False)
        batch_op.create_index(batch_op.f("ix_users_full_name_folded"), ["full_name_folded"], unique=False)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_full_name_folded"))
        batch_op.drop_column("full_name_folded")

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_target")
        batch_op.drop_index(batch_op.f("ix_audit_events_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))
    op.drop_table("audit_events")
