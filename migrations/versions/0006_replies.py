"""Reader replies: replies, reply standings, used magic links; publications' reply settings.

The three new tables are tenant tables: on PostgreSQL each gets row-level security with the
same policy as 0005_row_level_security.

Revision ID: 0006_replies
Revises: 0005_row_level_security
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_replies"
down_revision = "0005_row_level_security"
branch_labels = None
depends_on = None

TENANT_TABLES = ("replies", "reply_standings", "reader_sign_ins")

RULE = (
    "current_setting('app.cross_tenant', true) = 'on' "
    "OR publication_id = NULLIF(current_setting('app.current_publication', true), '')::integer"
)


def _publication_fk(table):
    return sa.ForeignKeyConstraint(
        ["publication_id"],
        ["publications.id"],
        name=op.f(f"fk_{table}_publication_id_publications"),
        ondelete="CASCADE",
    )


def _subscriber_fk(table):
    return sa.ForeignKeyConstraint(
        ["subscriber_id"],
        ["subscribers.id"],
        name=op.f(f"fk_{table}_subscriber_id_subscribers"),
        ondelete="CASCADE",
    )


def upgrade():
    op.create_table(
        "replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("answer_to_id", sa.Integer(), nullable=True),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("is_author", sa.Boolean(), nullable=False),
        sa.Column("author_name", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("email_references", sa.Text(), nullable=False),
        sa.Column("dropped_attachments", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_to_id"],
            ["replies.id"],
            name=op.f("fk_replies_answer_to_id_replies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_replies_author_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_replies_issue_id_issues"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["replies.id"],
            name=op.f("fk_replies_parent_id_replies"),
            ondelete="CASCADE",
        ),
        _publication_fk("replies"),
        _subscriber_fk("replies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replies")),
        sa.UniqueConstraint(
            "publication_id", "message_id", name=op.f("uq_replies_publication_id_message_id")
        ),
    )
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.create_index("ix_replies_answer_to", ["answer_to_id"], unique=False)
        batch_op.create_index("ix_replies_parent", ["parent_id"], unique=False)
        batch_op.create_index("ix_replies_issue_status", ["issue_id", "status"], unique=False)
        batch_op.create_index(
            "ix_replies_pub_created", ["publication_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_replies_pub_read", ["publication_id", "read_at"], unique=False)
        batch_op.create_index(
            "ix_replies_subscriber_created", ["subscriber_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_replies_publication_id"), ["publication_id"], unique=False
        )

    op.create_table(
        "reply_standings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("trusted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        _publication_fk("reply_standings"),
        _subscriber_fk("reply_standings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_standings")),
        sa.UniqueConstraint(
            "publication_id",
            "subscriber_id",
            name=op.f("uq_reply_standings_publication_id_subscriber_id"),
        ),
    )
    with op.batch_alter_table("reply_standings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reply_standings_publication_id"), ["publication_id"], unique=False
        )

    op.create_table(
        "reader_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        _publication_fk("reader_sign_ins"),
        _subscriber_fk("reader_sign_ins"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reader_sign_ins")),
        sa.UniqueConstraint("nonce", name=op.f("uq_reader_sign_ins_nonce")),
    )
    with op.batch_alter_table("reader_sign_ins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reader_sign_ins_publication_id"), ["publication_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reader_sign_ins_subscriber_id"), ["subscriber_id"], unique=False
        )

    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reply_mode", sa.String(length=16), nullable=False, server_default="open")
        )
        batch_op.add_column(
            sa.Column(
                "reply_notifications",
                sa.String(length=16),
                nullable=False,
                server_default="immediate",
            )
        )
        batch_op.add_column(
            sa.Column("reply_digest_sent_at", sa.DateTime(timezone=True), nullable=True)
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({RULE}) WITH CHECK ({RULE})"
            )


def downgrade():
    # Dropping a table drops its policy with it.
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_column("reply_digest_sent_at")
        batch_op.drop_column("reply_notifications")
        batch_op.drop_column("reply_mode")

    with op.batch_alter_table("reader_sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reader_sign_ins_subscriber_id"))
        batch_op.drop_index(batch_op.f("ix_reader_sign_ins_publication_id"))
    op.drop_table("reader_sign_ins")

    with op.batch_alter_table("reply_standings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_standings_publication_id"))
    op.drop_table("reply_standings")

    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_replies_publication_id"))
        batch_op.drop_index("ix_replies_subscriber_created")
        batch_op.drop_index("ix_replies_pub_read")
        batch_op.drop_index("ix_replies_pub_created")
        batch_op.drop_index("ix_replies_issue_status")
        batch_op.drop_index("ix_replies_parent")
        batch_op.drop_index("ix_replies_answer_to")
    op.drop_table("replies")
