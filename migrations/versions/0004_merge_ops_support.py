"""Join the two branches that both grew from 0002: operator tools and support requests.

Revision ID: 0004_merge_ops_support
Revises: 0003_ops, 0003_support
"""

revision = "0004_merge_ops_support"
down_revision = ("0003_ops", "0003_support")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
