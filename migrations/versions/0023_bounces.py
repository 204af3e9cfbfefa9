"""Bounces and complaints: bounce events, sending holds, the platform-wide suppression list.

Two tenant tables (bounce_events, sending_holds) get row-level security with the same policy
as 0005_row_level_security; platform_suppressions belongs to no tenant (the operators own
it, every send reads it) and is seeded with role addresses no newsletter should go to.

Revision ID: 0023_bounces
Revises: 0022_segments
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0023_bounces"
down_revision = "0022_segments"
branch_labels = None
depends_on = None

TENANT_TABLES = ("bounce_events", "sending_holds")
RULE = (
    "current_setting('app.cross_tenant', true) = 'on' "
    "OR publication_id = NULLIF(current_setting('app.current_publication', true), '')::integer"
)
ROLE_ADDRESSES = ("abuse@", "postmaster@", "hostmaster@", "noc@", "security@")


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
        "bounce_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("send_id", sa.Integer(), nullable=True),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_publication("bounce_events"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_bounce_events_delivery_id_deliveries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["send_id"], ["sends.id"], name=op.f("fk_bounce_events_send_id_sends"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_bounce_events_subscriber_id_subscribers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounce_events")),
        sa.UniqueConstraint("delivery_id", "kind", name=op.f("uq_bounce_events_delivery_id_kind")),
    )
    op.create_table(
        "sending_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_rate", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=254), nullable=False),
        *_publication("sending_holds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sending_holds")),
        sa.UniqueConstraint("publication_id", name=op.f("uq_sending_holds_publication_id")),
    )
    suppressions = op.create_table(
        "platform_suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_suppressions")),
        sa.UniqueConstraint("address", name=op.f("uq_platform_suppressions_address")),
    )
    for table in TENANT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_publication_id"), ["publication_id"])
    with op.batch_alter_table("bounce_events", schema=None) as batch_op:
        batch_op.create_index("ix_bounce_events_send_kind", ["send_id", "kind"])
        batch_op.create_index(
            "ix_bounce_events_subscriber_created", ["subscriber_id", "kind", "created_at"]
        )
        batch_op.create_index(
            "ix_bounce_events_pub_kind_created", ["publication_id", "kind", "created_at"]
        )
    now = datetime.now(UTC)
    op.bulk_insert(
        suppressions,
        [
            {"address": address, "reason": "role", "note": "role address", "created_at": now}
            for address in ROLE_ADDRESSES
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({RULE}) WITH CHECK ({RULE})"
            )


def downgrade():
    for table in ("platform_suppressions", "sending_holds", "bounce_events"):
        op.drop_table(table)
