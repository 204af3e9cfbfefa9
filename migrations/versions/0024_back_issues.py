"""Back issues: imports of an old platform's archive, each imported post's source link, and
the feed guid an imported issue keeps.

Two tenant tables: on PostgreSQL each gets row-level security with the same policy as
0020_webhooks (the app role's grants come from the owner's default privileges).

Revision ID: 0024_back_issues
Revises: 0023_bounces
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_back_issues"
down_revision = "0023_bounces"
branch_labels = None
depends_on = None

TABLES = ("back_issue_imports", "back_issue_links")
RULE = (
    "current_setting('app.cross_tenant', true) = 'on' "
    "OR publication_id = NULLIF(current_setting('app.current_publication', true), '')::integer"
)


def _publication(table):
    return [
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f(f"fk_{table}_publication_id_publications"),
            ondelete="CASCADE",
        ),
    ]


def upgrade():
    op.create_table(
        "back_issue_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("fetch_images", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total_posts", sa.Integer(), nullable=False),
        sa.Column("processed_posts", sa.Integer(), nullable=False),
        sa.Column("imported_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("images_rehosted", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("image_failures", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        *_publication("back_issue_imports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_back_issue_imports")),
    )
    op.create_table(
        "back_issue_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=500), nullable=False),
        sa.Column("old_path", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_publication("back_issue_links"),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_back_issue_links_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_back_issue_links")),
        sa.UniqueConstraint(
            "publication_id",
            "source_key",
            name=op.f("uq_back_issue_links_publication_id_source_key"),
        ),
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_publication_id"), ["publication_id"])
    with op.batch_alter_table("back_issue_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_back_issue_links_issue_id"), ["issue_id"])
        batch_op.create_index(
            "ix_back_issue_links_publication_old_path", ["publication_id", "old_path"]
        )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("feed_guid", sa.String(length=500), server_default="", nullable=False)
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({RULE}) WITH CHECK ({RULE})"
            )


def downgrade():
    # Plain DROP COLUMN (SQLite has it since 3.35): a batch rebuild of issues would delete
    # every reply and delivery through their ON DELETE CASCADE.
    op.drop_column("issues", "feed_guid")
    for table in reversed(TABLES):
        op.drop_table(table)
