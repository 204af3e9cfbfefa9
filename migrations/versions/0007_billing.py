"""Billing on Stripe: plan subscriptions, webhook events, connected accounts, paid tiers,
readers' subscriptions, readers held over a plan's limit; issues get an audience.

plan_subscriptions and stripe_events are platform tables (see saas/models/billing.py for
why). The four others are tenant tables: on PostgreSQL each gets row-level security with the
same policy as 0005_row_level_security.

Revision ID: 0007_billing
Revises: 0005_row_level_security
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_billing"
down_revision = "0005_row_level_security"
branch_labels = None
depends_on = None

TENANT_TABLES = ("connected_accounts", "paid_tiers", "reader_subscriptions", "subscriber_holds")

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


def _index_publication(table):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_publication_id"), ["publication_id"])


def upgrade():
    op.create_table(
        "plan_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=False),
        sa.Column("price_id", sa.String(length=255), nullable=False),
        sa.Column("plan", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("payment_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stripe_created", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_plan_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_subscriptions")),
        sa.UniqueConstraint(
            "stripe_subscription_id", name=op.f("uq_plan_subscriptions_stripe_subscription_id")
        ),
    )
    with op.batch_alter_table("plan_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_subscriptions_user_id"), ["user_id"])
        batch_op.create_index(
            batch_op.f("ix_plan_subscriptions_stripe_customer_id"), ["stripe_customer_id"]
        )

    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("account", sa.String(length=255), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("stripe_created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
    )

    op.create_table(
        "connected_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stripe_account_id", sa.String(length=255), nullable=False),
        sa.Column("charges_enabled", sa.Boolean(), nullable=False),
        sa.Column("payouts_enabled", sa.Boolean(), nullable=False),
        sa.Column("details_submitted", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=120), nullable=False),
        sa.Column("default_currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        _publication_fk("connected_accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connected_accounts")),
        sa.UniqueConstraint("publication_id", name=op.f("uq_connected_accounts_publication_id")),
    )
    _index_publication("connected_accounts")
    with op.batch_alter_table("connected_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connected_accounts_stripe_account_id"), ["stripe_account_id"]
        )

    op.create_table(
        "paid_tiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("monthly_amount", sa.Integer(), nullable=False),
        sa.Column("yearly_amount", sa.Integer(), nullable=False),
        sa.Column("stripe_product_id", sa.String(length=255), nullable=False),
        sa.Column("stripe_monthly_price_id", sa.String(length=255), nullable=False),
        sa.Column("stripe_yearly_price_id", sa.String(length=255), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        _publication_fk("paid_tiers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paid_tiers")),
    )
    _index_publication("paid_tiers")
    with op.batch_alter_table("paid_tiers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paid_tiers_stripe_product_id"), ["stripe_product_id"])

    op.create_table(
        "reader_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("tier_id", sa.Integer(), nullable=True),
        sa.Column("stripe_account_id", sa.String(length=255), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=False),
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=False),
        sa.Column("interval", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("payment_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stripe_created", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        _publication_fk("reader_subscriptions"),
        _subscriber_fk("reader_subscriptions"),
        sa.ForeignKeyConstraint(
            ["tier_id"], ["paid_tiers.id"], name=op.f("fk_reader_subscriptions_tier_id_paid_tiers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reader_subscriptions")),
        sa.UniqueConstraint(
            "publication_id",
            "stripe_subscription_id",
            name=op.f("uq_reader_subscriptions_publication_id_stripe_subscription_id"),
        ),
    )
    _index_publication("reader_subscriptions")
    with op.batch_alter_table("reader_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reader_subscriptions_subscriber_status", ["subscriber_id", "status"]
        )

    op.create_table(
        "subscriber_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        _publication_fk("subscriber_holds"),
        _subscriber_fk("subscriber_holds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriber_holds")),
        sa.UniqueConstraint("subscriber_id", name=op.f("uq_subscriber_holds_subscriber_id")),
    )
    _index_publication("subscriber_holds")
    with op.batch_alter_table("subscriber_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriber_holds_created_at"), ["created_at"])

    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audience", sa.String(length=16), nullable=False, server_default="everyone")
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
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_column("audience")
    for table in ("subscriber_holds", "reader_subscriptions", "paid_tiers", "connected_accounts"):
        op.drop_table(table)
    op.drop_table("stripe_events")
    op.drop_table("plan_subscriptions")
