"""Join the two branches that both grew from 0005: reader replies and billing.

Revision ID: 0008_merge_replies_billing
Revises: 0006_replies, 0007_billing
"""

revision = "0008_merge_replies_billing"
down_revision = ("0006_replies", "0007_billing")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
