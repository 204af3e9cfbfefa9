"""Custom domains are served only once verified by a DNS TXT record.

- `publications.custom_domain_token`: the random value the practitioner publishes as
  `_tend-verify.<domain> TXT "tend-verify=<token>"`.
- `publications.custom_domain_verified_at`: when Tend saw that record; NULL means pending.
- `custom_domain` is no longer unique on its own: several publications may claim a domain
  while it is pending, and `uq_publications_verified_custom_domain` (a partial unique index)
  lets only one hold it verified. `ix_publications_custom_domain` keeps host lookups fast.

Domains set before this revision were already served, so the upgrade marks them verified
(with a fresh token each). The downgrade forgets pending claims, which the old schema would
have served without proof, before the domain is unique again.

SQLite cannot drop a UNIQUE constraint in place, so `publications` is rebuilt (batch mode).
Rebuilding drops the old table, which with foreign keys on would cascade-delete every
publication's memberships, issues and subscribers; foreign key enforcement is therefore
switched off around the rebuild (outside a transaction, the only place that PRAGMA works)
and `PRAGMA foreign_key_check` must come back empty before it is switched on again.
`publications` is the tenant root and has no row-level security policy, so nothing changes
for RLS.

Revision ID: 0010_custom_domain_verification
Revises: 0009_reply_encryption
"""

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010_custom_domain_verification"
down_revision = "0009_reply_encryption"
branch_labels = None
depends_on = None

VERIFIED = "custom_domain_verified_at IS NOT NULL"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _foreign_keys(on: bool) -> None:
    """Switch SQLite's foreign key enforcement (a no-op inside a transaction, hence the block)."""
    with op.get_context().autocommit_block():
        op.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _check_foreign_keys() -> None:
    problems = op.get_bind().execute(sa.text("PRAGMA foreign_key_check")).fetchall()
    if problems:
        raise RuntimeError(f"rebuilding publications broke foreign keys: {problems[:5]}")


def upgrade():
    sqlite = _sqlite()
    with op.batch_alter_table("publications") as batch_op:
        batch_op.add_column(sa.Column("custom_domain_token", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("custom_domain_verified_at", sa.DateTime(timezone=True), nullable=True)
        )

    bind = op.get_bind()
    now = datetime.now(UTC)
    if sqlite:
        now = now.replace(tzinfo=None)  # as saas.models.base.UTCDateTime stores it there
    rows = bind.execute(
        sa.text("SELECT id FROM publications WHERE custom_domain IS NOT NULL")
    ).fetchall()
    for (publication_id,) in rows:
        bind.execute(
            sa.text(
                "UPDATE publications SET custom_domain_token = :token, "
                "custom_domain_verified_at = :now WHERE id = :id"
            ),
            {"token": secrets.token_hex(16), "now": now, "id": publication_id},
        )

    if sqlite:
        _foreign_keys(False)
    with op.batch_alter_table("publications") as batch_op:
        batch_op.drop_constraint("uq_publications_custom_domain", type_="unique")
        batch_op.create_index("ix_publications_custom_domain", ["custom_domain"], unique=False)
    op.create_index(
        "uq_publications_verified_custom_domain",
        "publications",
        ["custom_domain"],
        unique=True,
        sqlite_where=sa.text(VERIFIED),
        postgresql_where=sa.text(VERIFIED),
    )
    if sqlite:
        _check_foreign_keys()
        _foreign_keys(True)


def downgrade():
    sqlite = _sqlite()
    op.drop_index("uq_publications_verified_custom_domain", table_name="publications")
    op.execute(
        "UPDATE publications SET custom_domain = NULL WHERE custom_domain_verified_at IS NULL"
    )
    if sqlite:
        _foreign_keys(False)
    with op.batch_alter_table("publications") as batch_op:
        batch_op.drop_index("ix_publications_custom_domain")
        batch_op.create_unique_constraint("uq_publications_custom_domain", ["custom_domain"])
        batch_op.drop_column("custom_domain_verified_at")
        batch_op.drop_column("custom_domain_token")
    if sqlite:
        _check_foreign_keys()
        _foreign_keys(True)
