"""Deferred deliveries: a temporary refusal is tried again later instead of failing.

`deliveries.deferrals` counts temporary refusals (4xx replies, no answer) of one delivery,
`first_deferred_at` is when the first came, and `next_attempt_at` when the delivery is due
again; the status `deferred` (a string column, so no type change) marks them. An index on
(status, next_attempt_at) keeps the watcher's look for due rows cheap. Adding nullable
columns and one with a default is an in-place ALTER on SQLite and PostgreSQL; row-level
security policies are per table and need no change.

Revision ID: 0012_delivery_deferrals
Revises: 0011_session_generation
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_delivery_deferrals"
down_revision = "0011_session_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "deliveries", sa.Column("deferrals", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("deliveries", sa.Column("first_deferred_at", sa.DateTime(timezone=True)))
    op.add_column("deliveries", sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
    op.create_index("ix_deliveries_status_next_attempt", "deliveries", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_status_next_attempt", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("next_attempt_at")
        batch.drop_column("first_deferred_at")
        batch.drop_column("deferrals")
