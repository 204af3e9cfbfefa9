"""Who holds a delivery's claim: `deliveries.claimed_by`.

A batch claims its rows under an owner name (the worker process and the claim, plus the
Redis epoch it was made under) so the send's watcher can hand a dead worker's rows to another
worker as soon as that process stops heart-beating, instead of after DELIVERY_CLAIM_TIMEOUT.
A nullable column is an in-place ALTER on SQLite and PostgreSQL; rows claimed before it
(NULL) fall back to the timeout. Row-level security policies are per table: no change.

Revision ID: 0015_delivery_claim_owner
Revises: 0014_images
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_delivery_claim_owner"
down_revision = "0014_images"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("claimed_by", sa.String(length=160), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("claimed_by")
