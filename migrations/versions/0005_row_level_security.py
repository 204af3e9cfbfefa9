"""Row-level security on every tenant table (PostgreSQL): the second wall behind the ORM.

Each tenant table gets ENABLE and FORCE ROW LEVEL SECURITY and one policy: a row is visible
and writable only when its publication_id equals the transaction's
`app.current_publication` setting, or when the transaction declared `app.cross_tenant`.
A table added later must be listed in a migration like this one (a test checks the catalog).

Revision ID: 0005_row_level_security
Revises: 0004_merge_ops_support
Create Date: 2026-11-26
"""

from alembic import op

revision = "0005_row_level_security"
down_revision = "0004_merge_ops_support"
branch_labels = None
depends_on = None

TENANT_TABLES = (
    "issues",
    "subscribers",
    "tags",
    "subscriber_tags",
    "subscriber_events",
    "sends",
    "deliveries",
    "subscriber_imports",
    "support_forms",
    "support_requests",
    "support_events",
)

RULE = (
    "current_setting('app.cross_tenant', true) = 'on' "
    "OR publication_id = NULLIF(current_setting('app.current_publication', true), '')::integer"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({RULE}) WITH CHECK ({RULE})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
