"""Offerings: the "ways I can help" block closing every issue, and where a request came from.

One tenant table (`offerings`) with the same row-level security as 0005; the block's heading
and introduction on `publications`; `issues.show_offerings`; and the offering a support
request was sent from (`support_requests.offering_title`, its title at the time).

Revision ID: 0025_offerings
Revises: 0024_back_issues
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_offerings"
down_revision = "0024_back_issues"
branch_labels = None
depends_on = None

RULE = (
    "current_setting('app.cross_tenant', true) = 'on' "
    "OR publication_id = NULLIF(current_setting('app.current_publication', true), '')::integer"
)


def upgrade():
    op.create_table(
        "offerings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("button_label", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_offerings_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offerings")),
    )
    with op.batch_alter_table("offerings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offerings_publication_id"), ["publication_id"])
        batch_op.create_index("ix_offerings_pub_position", ["publication_id", "position"])
    # Plain ADD COLUMN: on SQLite a batch rebuild of publications or issues would trip the
    # triggers 0018 keeps on subscribers (they name publications) and drop others.
    op.add_column(
        "publications",
        sa.Column("offerings_heading", sa.String(length=120), server_default="", nullable=False),
    )
    op.add_column(
        "publications",
        sa.Column("offerings_intro", sa.String(length=300), server_default="", nullable=False),
    )
    op.add_column(
        "issues",
        sa.Column("show_offerings", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column(
        "support_requests",
        sa.Column("offering_title", sa.String(length=120), server_default="", nullable=False),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE offerings ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE offerings FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON offerings USING ({RULE}) WITH CHECK ({RULE})")


def downgrade():
    # SQLite has dropped columns natively since 3.35.
    op.drop_column("support_requests", "offering_title")
    op.drop_column("issues", "show_offerings")
    op.drop_column("publications", "offerings_intro")
    op.drop_column("publications", "offerings_heading")
    op.drop_table("offerings")
