"""Operator audit log, publication suspension, two-factor sign-in.

Revision ID: 0003_ops
Revises: 0002_subscribers_delivery
Create Date: 2026-11-26 14:54:43.372732
"""

import sqlalchemy as sa
from alembic import op


revision = '0003_ops'
down_revision = '0002_subscribers_delivery'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ops_audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('operator_email', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_ops_audit_log_operator_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ops_audit_log'))
    )
    with op.batch_alter_table('ops_audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ops_audit_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ops_audit_log_operator_id'), ['operator_id'], unique=False)

    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspended_reason', sa.String(length=500), nullable=False, server_default=''))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_encrypted', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recovery_code_hashes', sa.JSON(), nullable=False, server_default='[]'))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('recovery_code_hashes')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret_encrypted')

    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_column('suspended_reason')
        batch_op.drop_column('suspended_at')

    with op.batch_alter_table('ops_audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ops_audit_log_operator_id'))
        batch_op.drop_index(batch_op.f('ix_ops_audit_log_created_at'))

    op.drop_table('ops_audit_log')
