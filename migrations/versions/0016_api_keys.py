"""API keys: each lets another tool reach one publication through the API, within its scopes.

`api_keys` is a tenant table: on PostgreSQL it gets row-level security with the same policy
as 0005_row_level_security (the app role's grants come from the owner's default privileges).
Only a keyed hash of each key is stored, unique so a request's key is found by its hash.

Revision ID: 0016_api_keys
Revises: 0015_delivery_claim_owner
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_api_keys"
down_revision = "0015_delivery_claim_owner"
branch_labels = None
depends_on = None

RULE = (
    "current_setting('app.cross_tenant', true) = 'on' "
    "OR publication_id = NULLIF(current_setting('app.current_publication', true), '')::integer"
)


def upgrade():
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("support_when_confidential", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_api_keys_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_api_keys_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_publication_id"), ["publication_id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE api_keys FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON api_keys USING ({RULE}) WITH CHECK ({RULE})")


def downgrade():
    # Dropping the table drops its policy with it.
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_publication_id"))
    op.drop_table("api_keys")
