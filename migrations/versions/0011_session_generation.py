"""A per-account session generation, checked on every request.

`users.session_generation` is part of every signed-in session's id. Signing out, "sign out
everywhere", a password reset and turning two-factor sign-in on or off bump it, so a session
cookie copied before any of those stops working on the server, not only in the browser.
Adding a column with a default is an in-place ALTER on both SQLite and PostgreSQL; existing
sessions end once at the upgrade (their ids lack the generation), which is harmless.

Revision ID: 0011_session_generation
Revises: 0010_custom_domain_verification
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_session_generation"
down_revision = "0010_custom_domain_verification"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
