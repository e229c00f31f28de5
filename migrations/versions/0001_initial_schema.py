"""Initial schema: communes, villages, categories, users, visits, concerns, events, attachments

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 09:04:51.217662

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_vi', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('requires_evidence', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('sort_order', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('code', name=op.f('uq_categories_code'))
    )
    op.create_table('communes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_folded', sa.String(length=120), nullable=False),
    sa.Column('division_type', sa.String(length=30), nullable=False),
    sa.Column('province_code', sa.String(length=10), nullable=False),
    sa.Column('province_name', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communes')),
    sa.UniqueConstraint('code', name=op.f('uq_communes_code'))
    )
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communes_name_folded'), ['name_folded'], unique=False)
        batch_op.create_index(batch_op.f('ix_communes_province_code'), ['province_code'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('session_version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("role IN ('official', 'supervisor', 'admin')", name=op.f('ck_users_role_allowed')),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_users_commune_id_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_commune_id'), ['commune_id'], unique=False)

    op.create_table('villages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_folded', sa.String(length=120), nullable=False),
    sa.Column('former_commune', sa.String(length=120), nullable=True),
    sa.Column('former_commune_folded', sa.String(length=120), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('distance_km', sa.Double(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_villages_commune_id_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_villages')),
    sa.UniqueConstraint('commune_id', 'name_folded', name='uq_villages_commune_name')
    )
    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_villages_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_villages_former_commune_folded'), ['former_commune_folded'], unique=False)
        batch_op.create_index(batch_op.f('ix_villages_name_folded'), ['name_folded'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('gps_accuracy_m', sa.Double(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('dialogue', 'door_to_door', 'emergency', 'paperwork', 'inspection')", name=op.f('ck_visits_kind_allowed')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_visits_created_by_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_visits_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_visits_client_uuid'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index('ix_visits_village_date', ['village_id', 'visit_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_visit_date'), ['visit_date'], unique=False)

    op.create_table('concerns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('reference_code', sa.String(length=16), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('search_folded', sa.Text(), nullable=False),
    sa.Column('resident_name', sa.String(length=120), nullable=True),
    sa.Column('resident_contact', sa.String(length=120), nullable=True),
    sa.Column('households_affected', sa.Integer(), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('referred_to', sa.String(length=200), nullable=True),
    sa.Column('referral_number', sa.String(length=60), nullable=True),
    sa.Column('referral_date', sa.Date(), nullable=True),
    sa.Column('referral_due_date', sa.Date(), nullable=True),
    sa.Column('satisfaction', sa.String(length=20), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("priority IN ('normal', 'high', 'urgent')", name=op.f('ck_concerns_priority_allowed')),
    sa.CheckConstraint("status IN ('new', 'in_progress', 'referred', 'resolved', 'rejected', 'duplicate')", name=op.f('ck_concerns_status_allowed')),
    sa.CheckConstraint('households_affected IS NULL OR households_affected >= 0', name=op.f('ck_concerns_households')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_concerns_assignee_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_concerns_category_id_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_concerns_created_by_id_users')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['concerns.id'], name=op.f('fk_concerns_duplicate_of_id_concerns')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_concerns_village_id_villages')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_concerns_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concerns')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_concerns_client_uuid')),
    sa.UniqueConstraint('reference_code', name=op.f('uq_concerns_reference_code'))
    )
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.create_index('ix_concerns_assignee_status', ['assignee_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_concerns_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_concerns_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_concerns_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_concerns_resolved_at'), ['resolved_at'], unique=False)
        batch_op.create_index('ix_concerns_status_due', ['status', 'due_date'], unique=False)
        batch_op.create_index('ix_concerns_village_status', ['village_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_concerns_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_officials',
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visit_officials_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_officials_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visit_id', 'user_id', name=op.f('pk_visit_officials'))
    )
    with op.batch_alter_table('visit_officials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_officials_user_id'), ['user_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('concern_id', sa.Integer(), nullable=True),
    sa.Column('client_uuid', sa.String(length=36), nullable=True),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('thumbnail_name', sa.String(length=80), nullable=True),
    sa.Column('content_type', sa.String(length=80), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('original_filename', sa.String(length=255), nullable=True),
    sa.Column('is_evidence', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('visit_id IS NOT NULL OR concern_id IS NOT NULL', name=op.f('ck_attachments_has_owner')),
    sa.ForeignKeyConstraint(['concern_id'], ['concerns.id'], name=op.f('fk_attachments_concern_id_concerns')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_attachments_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_attachments_client_uuid')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachments_stored_name'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_concern_id'), ['concern_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_visit_id'), ['visit_id'], unique=False)

    op.create_table('concern_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('old_value', sa.String(length=200), nullable=True),
    sa.Column('new_value', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('public', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.CheckConstraint("kind IN ('created', 'status', 'assignment', 'priority', 'note', 'escalation', 'attachment', 'export')", name=op.f('ck_concern_events_kind_allowed')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_concern_events_author_id_users')),
    sa.ForeignKeyConstraint(['concern_id'], ['concerns.id'], name=op.f('fk_concern_events_concern_id_concerns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_events'))
    )
    with op.batch_alter_table('concern_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_events_concern_id'), ['concern_id'], unique=False)




def downgrade():

    with op.batch_alter_table('concern_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_events_concern_id'))

    op.drop_table('concern_events')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_visit_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_concern_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('visit_officials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_officials_user_id'))

    op.drop_table('visit_officials')
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concerns_visit_id'))
        batch_op.drop_index('ix_concerns_village_status')
        batch_op.drop_index('ix_concerns_status_due')
        batch_op.drop_index(batch_op.f('ix_concerns_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_concerns_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_concerns_created_at'))
        batch_op.drop_index(batch_op.f('ix_concerns_category_id'))
        batch_op.drop_index('ix_concerns_assignee_status')

    op.drop_table('concerns')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_visit_date'))
        batch_op.drop_index('ix_visits_village_date')
        batch_op.drop_index(batch_op.f('ix_visits_created_by_id'))

    op.drop_table('visits')
    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_villages_name_folded'))
        batch_op.drop_index(batch_op.f('ix_villages_former_commune_folded'))
        batch_op.drop_index(batch_op.f('ix_villages_commune_id'))

    op.drop_table('villages')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_commune_id'))

    op.drop_table('users')
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communes_province_code'))
        batch_op.drop_index(batch_op.f('ix_communes_name_folded'))

    op.drop_table('communes')
    op.drop_table('categories')

