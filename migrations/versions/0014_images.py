"""Images: practitioners' uploads for issues, one row per image (its widths are files).

`images` is a tenant table: on PostgreSQL it gets row-level security with the same policy as
0005_row_level_security (the app role's grants come from the owner's default privileges).
The files themselves live in the storage backend, not the database.

Revision ID: 0014_images
Revises: 0013_job_outbox
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_images"
down_revision = "0013_job_outbox"
branch_labels = None
depends_on = None

RULE = (
    "current_setting('app.cross_tenant', true) = 'on' "
    "OR publication_id = NULLIF(current_setting('app.current_publication', true), '')::integer"
)


def upgrade():
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("extension", sa.String(length=8), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("stored_bytes", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_images_issue_id_issues"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_images_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_images_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
        sa.UniqueConstraint("publication_id", "digest", name=op.f("uq_images_publication_id_digest")),
    )
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_images_publication_id"), ["publication_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE images ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE images FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON images USING ({RULE}) WITH CHECK ({RULE})")


def downgrade():
    # Dropping the table drops its policy with it.
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_images_publication_id"))
    op.drop_table("images")
