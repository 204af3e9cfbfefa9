"""Jobs parked in the database while Redis is away.

`job_outbox` holds a job's dotted path, queue, JSON arguments and options when Redis could
not take it; workers hand the rows to Redis once it answers again and delete them. The table
belongs to no publication (no row-level security: the jobs themselves bind their tenant).

Revision ID: 0013_job_outbox
Revises: 0012_delivery_deferrals
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_job_outbox"
down_revision = "0012_delivery_deferrals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_outbox")),
    )


def downgrade() -> None:
    op.drop_table("job_outbox")
