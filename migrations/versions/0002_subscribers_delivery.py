"""Subscribers, tags, history, sends, deliveries and imports.

Revision ID: 0002_subscribers_delivery
Revises: 0001_foundation
Create Date: 2026-11-26 14:43:22.645874
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_subscribers_delivery'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None

def upgrade():
    op.create_table('subscriber_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('detected_format', sa.String(length=32), nullable=False),
    sa.Column('send_confirmation', sa.Boolean(), nullable=False),
    sa.Column('tag_name', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('imported_count', sa.Integer(), nullable=False),
    sa.Column('duplicate_count', sa.Integer(), nullable=False),
    sa.Column('rejected_count', sa.Integer(), nullable=False),
    sa.Column('rejections', sa.JSON(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_subscriber_imports_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriber_imports'))
    )
    with op.batch_alter_table('subscriber_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriber_imports_publication_id'), ['publication_id'], unique=False)

    op.create_table('subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('consent_note', sa.String(length=300), nullable=False),
    sa.Column('imported', sa.Boolean(), nullable=False),
    sa.Column('hard_bounces', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_subscribers_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscribers')),
    sa.UniqueConstraint('publication_id', 'email', name=op.f('uq_subscribers_publication_id_email'))
    )
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.create_index('ix_subscribers_pub_created', ['publication_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_subscribers_pub_status_created', ['publication_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscribers_publication_id'), ['publication_id'], unique=False)

    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_tags_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('publication_id', 'name', name=op.f('uq_tags_publication_id_name'))
    )
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tags_publication_id'), ['publication_id'], unique=False)

    op.create_table('sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_sends_issue_id_issues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_sends_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sends')),
    sa.UniqueConstraint('publication_id', 'issue_id', name=op.f('uq_sends_publication_id_issue_id'))
    )
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sends_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sends_publication_id'), ['publication_id'], unique=False)

    op.create_table('subscriber_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_subscriber_events_publication_id_publications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_subscriber_events_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriber_events'))
    )
    with op.batch_alter_table('subscriber_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriber_events_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index('ix_subscriber_events_subscriber', ['subscriber_id', 'created_at'], unique=False)

    op.create_table('subscriber_tags',
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_subscriber_tags_publication_id_publications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_subscriber_tags_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_subscriber_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subscriber_id', 'tag_id', name=op.f('pk_subscriber_tags'))
    )
    with op.batch_alter_table('subscriber_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriber_tags_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index('ix_subscriber_tags_tag', ['tag_id', 'subscriber_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('send_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('smtp_response', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_deliveries_issue_id_issues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_deliveries_publication_id_publications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['send_id'], ['sends.id'], name=op.f('fk_deliveries_send_id_sends'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_deliveries_subscriber_id_subscribers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('issue_id', 'subscriber_id', name=op.f('uq_deliveries_issue_id_subscriber_id'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_publication_id'), ['publication_id'], unique=False)
        batch_op.create_index('ix_deliveries_send_status', ['send_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_deliveries_status_claimed', ['status', 'claimed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_subscriber_id'), ['subscriber_id'], unique=False)

    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('welcome_message', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('max_send_rate', sa.Integer(), nullable=False, server_default='20'))

    # Prefix search on email ("LIKE 'ann%'") needs pattern ops under non-C collations.
    op.create_index(
        "ix_subscribers_pub_email_pattern",
        "subscribers",
        ["publication_id", "email"],
        postgresql_ops={"email": "text_pattern_ops"},
    )

def downgrade():
    op.drop_index("ix_subscribers_pub_email_pattern", table_name="subscribers")
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_column('max_send_rate')
        batch_op.drop_column('welcome_message')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_subscriber_id'))
        batch_op.drop_index('ix_deliveries_status_claimed')
        batch_op.drop_index('ix_deliveries_send_status')
        batch_op.drop_index(batch_op.f('ix_deliveries_publication_id'))

    op.drop_table('deliveries')
    with op.batch_alter_table('subscriber_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriber_tags_tag')
        batch_op.drop_index(batch_op.f('ix_subscriber_tags_publication_id'))

    op.drop_table('subscriber_tags')
    with op.batch_alter_table('subscriber_events', schema=None) as batch_op:
        batch_op.drop_index('ix_subscriber_events_subscriber')
        batch_op.drop_index(batch_op.f('ix_subscriber_events_publication_id'))

    op.drop_table('subscriber_events')
    with op.batch_alter_table('sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sends_publication_id'))
        batch_op.drop_index(batch_op.f('ix_sends_issue_id'))

    op.drop_table('sends')
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tags_publication_id'))

    op.drop_table('tags')
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscribers_publication_id'))
        batch_op.drop_index('ix_subscribers_pub_status_created')
        batch_op.drop_index('ix_subscribers_pub_created')

    op.drop_table('subscribers')
    with op.batch_alter_table('subscriber_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriber_imports_publication_id'))

    op.drop_table('subscriber_imports')
