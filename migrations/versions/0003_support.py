"""Support requests: intake forms, encrypted requests and their timelines.

The encrypted columns are plain TEXT holding Fernet tokens (saas.crypto.EncryptedText in the
models); this migration does not import the app.

Revision ID: 0003_support
Revises: 0002_subscribers_delivery
Create Date: 2026-11-26 14:55:32.917917
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_support'
down_revision = '0002_subscribers_delivery'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('support_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('heading', sa.String(length=120), nullable=False),
    sa.Column('intro', sa.Text(), nullable=False),
    sa.Column('name_required', sa.Boolean(), nullable=False),
    sa.Column('phone_mode', sa.String(length=16), nullable=False),
    sa.Column('ask_preferred_contact', sa.Boolean(), nullable=False),
    sa.Column('message_label', sa.String(length=200), nullable=False),
    sa.Column('custom_fields', sa.JSON(), nullable=False),
    sa.Column('consent_text', sa.String(length=500), nullable=False),
    sa.Column('privacy_text', sa.Text(), nullable=False),
    sa.Column('crisis_text', sa.Text(), nullable=False),
    sa.Column('response_time_text', sa.String(length=300), nullable=False),
    sa.Column('confidential_mode', sa.Boolean(), nullable=False),
    sa.Column('retention_months', sa.Integer(), nullable=False),
    sa.Column('notify_email', sa.String(length=254), nullable=False),
    sa.Column('share_with_editors', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_support_forms_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_forms')),
    sa.UniqueConstraint('publication_id', name=op.f('uq_support_forms_publication_id'))
    )
    with op.batch_alter_table('support_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_forms_publication_id'), ['publication_id'], unique=False)

    op.create_table('support_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('preferred_contact', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('source_issue_id', sa.Integer(), nullable=True),
    sa.Column('source_issue_number', sa.Integer(), nullable=True),
    sa.Column('subscribe_opt_in', sa.Boolean(), nullable=False),
    sa.Column('consent_text', sa.String(length=500), nullable=False),
    sa.Column('consent_given_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ack_message_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_support_requests_publication_id_publications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_issue_id'], ['issues.id'], name=op.f('fk_support_requests_source_issue_id_issues'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_requests'))
    )
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.create_index('ix_support_requests_pub_created', ['publication_id', 'created_at'], unique=False)
        batch_op.create_index('ix_support_requests_pub_stage_created', ['publication_id', 'stage', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_requests_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_requests_source_issue_id'), ['source_issue_id'], unique=False)
        batch_op.create_index('ix_support_requests_stage_closed', ['stage', 'closed_at'], unique=False)

    op.create_table('support_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_support_events_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_support_events_publication_id_publications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['support_requests.id'], name=op.f('fk_support_events_request_id_support_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_events'))
    )
    with op.batch_alter_table('support_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_events_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index('ix_support_events_request_created', ['request_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('support_events', schema=None) as batch_op:
        batch_op.drop_index('ix_support_events_request_created')
        batch_op.drop_index(batch_op.f('ix_support_events_publication_id'))

    op.drop_table('support_events')
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_support_requests_stage_closed')
        batch_op.drop_index(batch_op.f('ix_support_requests_source_issue_id'))
        batch_op.drop_index(batch_op.f('ix_support_requests_publication_id'))
        batch_op.drop_index('ix_support_requests_pub_stage_created')
        batch_op.drop_index('ix_support_requests_pub_created')

    op.drop_table('support_requests')
    with op.batch_alter_table('support_forms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_forms_publication_id'))

    op.drop_table('support_forms')
