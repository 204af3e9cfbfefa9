"""Sending domains with DKIM keys; the daily re-check of verified custom domains.

- `sending_domains`: a publication's own domain for its mail (one per publication), its
  From address, state (pending / verified / paused) and what the last DNS check found.
- `dkim_keys`: each domain's key pairs by selector, the private half encrypted with the
  support keys (a Fernet token in TEXT), the state of a rotation (next / active / retiring).
- `publications.custom_domain_checked_at` and `custom_domain_failing_since`: when a verified
  custom domain was last re-checked, and since when its DNS has pointed elsewhere.

Both new tables are tenant tables: on PostgreSQL each gets row-level security with the same
policy as 0005_row_level_security (the app role's grants come from its default privileges).
Adding nullable columns needs no table rebuild on SQLite.

Revision ID: 0017_sending_domains
Revises: 0016_api_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_sending_domains"
down_revision = "0016_api_keys"
branch_labels = None
depends_on = None

TENANT_TABLES = ("sending_domains", "dkim_keys")

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


def upgrade():
    op.create_table(
        "sending_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("from_address", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        _publication_fk("sending_domains"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sending_domains")),
        sa.UniqueConstraint("publication_id", name=op.f("uq_sending_domains_publication_id")),
    )
    with op.batch_alter_table("sending_domains") as batch_op:
        batch_op.create_index(batch_op.f("ix_sending_domains_publication_id"), ["publication_id"])

    op.create_table(
        "dkim_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sending_domain_id", sa.Integer(), nullable=False),
        sa.Column("selector", sa.String(length=63), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retiring_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        _publication_fk("dkim_keys"),
        sa.ForeignKeyConstraint(
            ["sending_domain_id"],
            ["sending_domains.id"],
            name=op.f("fk_dkim_keys_sending_domain_id_sending_domains"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dkim_keys")),
        sa.UniqueConstraint(
            "sending_domain_id", "selector", name=op.f("uq_dkim_keys_sending_domain_id_selector")
        ),
    )
    with op.batch_alter_table("dkim_keys") as batch_op:
        batch_op.create_index(batch_op.f("ix_dkim_keys_publication_id"), ["publication_id"])
        batch_op.create_index(batch_op.f("ix_dkim_keys_sending_domain_id"), ["sending_domain_id"])

    with op.batch_alter_table("publications") as batch_op:
        batch_op.add_column(
            sa.Column("custom_domain_checked_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("custom_domain_failing_since", sa.DateTime(timezone=True), nullable=True)
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY tenant_isolation ON {table} USING ({RULE}) WITH CHECK ({RULE})"
            )


def downgrade():
    # Dropping a table drops its policy with it. On SQLite, dropping columns rebuilds
    # `publications`, which with foreign keys on would cascade-delete every row that refers
    # to it: enforcement is off around the rebuild (outside a transaction, where the PRAGMA
    # works) and the keys are checked before it is on again.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("publications") as batch_op:
        batch_op.drop_column("custom_domain_failing_since")
        batch_op.drop_column("custom_domain_checked_at")
    if sqlite:
        broken = op.get_bind().execute(sa.text("PRAGMA foreign_key_check")).fetchall()
        if broken:
            raise RuntimeError(f"rebuilding publications broke foreign keys: {broken[:5]}")
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")
    op.drop_table("dkim_keys")
    op.drop_table("sending_domains")
