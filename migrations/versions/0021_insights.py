"""Insights: daily growth and per-issue daily rollups; the issue a history line came from.

Two tenant tables with the same row-level security policy as 0020_webhooks. subscriber_events
gains issue_id: an unsubscribe from an issue's email names the issue. Run `flask
rebuild-insights` once after upgrading to count the history already there.

Revision ID: 0021_insights
Revises: 0020_webhooks
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_insights"
down_revision = "0020_webhooks"
branch_labels = None
depends_on = None

TABLES = ("insights_daily_growth", "insights_issue_daily")
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
        "insights_daily_growth",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("joined", sa.Integer(), nullable=False),
        sa.Column("unsubscribed", sa.Integer(), nullable=False),
        sa.Column("bounced", sa.Integer(), nullable=False),
        *_publication("insights_daily_growth"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_daily_growth")),
        sa.UniqueConstraint(
            "publication_id",
            "day",
            "source",
            name=op.f("uq_insights_daily_growth_publication_id_day_source"),
        ),
    )
    op.create_table(
        "insights_issue_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("web_views", sa.Integer(), nullable=False),
        sa.Column("unsubscribed", sa.Integer(), nullable=False),
        *_publication("insights_issue_daily"),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_insights_issue_daily_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insights_issue_daily")),
        sa.UniqueConstraint(
            "publication_id",
            "issue_id",
            "day",
            name=op.f("uq_insights_issue_daily_publication_id_issue_id_day"),
        ),
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_publication_id"), ["publication_id"])
    with op.batch_alter_table("subscriber_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issue_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_subscriber_events_issue_id_issues"),
            "issues",
            ["issue_id"],
            ["id"],
            ondelete="SET NULL",
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({RULE}) WITH CHECK ({RULE})"
            )


def downgrade():
    with op.batch_alter_table("subscriber_events", schema=None) as batch_op:
        batch_op.drop_constraint("fk_subscriber_events_issue_id_issues", type_="foreignkey")
        batch_op.drop_column("issue_id")
    for table in reversed(TABLES):
        op.drop_table(table)
