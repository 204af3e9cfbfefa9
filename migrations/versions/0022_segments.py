"""Segments and topics: who a send is for, and the topics readers choose in their preferences.

`sends.segment` holds the send's segment as JSON (NULL: every active reader). `topics` and
`saved_segments` (segments named to reuse) are tenant tables: on PostgreSQL each gets row-level
security with the same policy as 0005_row_level_security (the app role's grants come from the
owner's default privileges).

Revision ID: 0022_segments
Revises: 0021_insights
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_segments"
down_revision = "0021_insights"
branch_labels = None
depends_on = None

TABLES = ("topics", "saved_segments")
RULE = (
    "current_setting('app.cross_tenant', true) = 'on' "
    "OR publication_id = NULLIF(current_setting('app.current_publication', true), '')::integer"
)


def upgrade():
    with op.batch_alter_table("sends", schema=None) as batch_op:
        batch_op.add_column(sa.Column("segment", sa.JSON(), nullable=True))
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_topics_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_topics_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint(
            "publication_id", "tag_id", name=op.f("uq_topics_publication_id_tag_id")
        ),
    )
    with op.batch_alter_table("topics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topics_publication_id"), ["publication_id"])
    op.create_table(
        "saved_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_saved_segments_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_segments")),
        sa.UniqueConstraint(
            "publication_id", "name", name=op.f("uq_saved_segments_publication_id_name")
        ),
    )
    with op.batch_alter_table("saved_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_segments_publication_id"), ["publication_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({RULE}) WITH CHECK ({RULE})"
            )


def downgrade():
    op.drop_table("saved_segments")
    op.drop_table("topics")
    # Plain DROP COLUMN (SQLite has it since 3.35): a batch rebuild of sends would delete
    # every delivery through their ON DELETE CASCADE.
    op.drop_column("sends", "segment")
