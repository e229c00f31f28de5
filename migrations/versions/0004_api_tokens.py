"""The JSON API: personal API tokens; a client UUID on concern events (status changes and notes sent once)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("concern_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_uuid", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_concern_events_client_uuid"), ["client_uuid"])


def downgrade():
    with op.batch_alter_table("concern_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_concern_events_client_uuid"), type_="unique")
        batch_op.drop_column("client_uuid")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
