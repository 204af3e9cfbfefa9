"""Dashboard at a million readers: readers-per-status counts kept by the database, search keys.

subscriber_counts holds signed changes per (publication, status); triggers on subscribers add
them in the same transaction as every insert, delete or status change, whatever code runs
it: PostgreSQL one row per statement and status (statement triggers over the transition
tables), SQLite one per row. A reader deleted with their publication adds none. The table
is tenant-owned: row-level security like every other. The backfill is
saas.audience.status_counts.rebuild, the repair `flask recount-subscribers` runs too; it runs
after the triggers exist, and creating them keeps every writer of subscribers waiting until
this migration commits, so no change falls between the count and the triggers.

Search keys: readers get three columns the database derives (email_domain, name_key,
name_rest_key), each with a (publication_id, key) index like the one on email. Under
row-level security PostgreSQL uses an index only for conditions whose functions are
LEAKPROOF; LIKE is not (neither plain nor with a pg_trgm index), starts_with (^@) on a plain
column is, so prefix search on stored keys is what the app role can search with an index.
PostgreSQL stores them (adding them rewrites subscribers once, holding its lock); SQLite
computes them on read (ALTER TABLE can add only that kind there).

subscribers.activated_at is when a reader last became active (or was added): a default of
now() on insert, a trigger on status changes to active. Rows already there get the time of
this migration, which is never too early: readers who may lack an issue sent earlier are
those activated since that send's fan-out (saas.delivery.sending.new_reader_count), and an
index on (publication_id, activated_at) finds them without reading the whole list.
sends.final_counts keeps a done send's deliveries per status.

SQLite drops a table's triggers when the table is rebuilt (batch_alter_table): a later
migration that rebuilds subscribers there must create them again (SQLITE_TRIGGERS,
SQLITE_ACTIVATION).

Revision ID: 0018_dashboard_scale
Revises: 0017_sending_domains
"""

import sqlalchemy as sa
from alembic import op

from saas.audience.status_counts import rebuild

revision = "0018_dashboard_scale"
down_revision = "0017_sending_domains"
branch_labels = None
depends_on = None

RULE = (
    "current_setting('app.cross_tenant', true) = 'on' "
    "OR publication_id = NULLIF(current_setting('app.current_publication', true), '')::integer"
)

SEARCH_KEYS = {  # column: (length, PostgreSQL expression, SQLite expression)
    "email_domain": (254, "split_part(email, '@', 2)", "substr(email, instr(email, '@') + 1)"),
    "name_key": (120, "lower(name)", "lower(name)"),
    "name_rest_key": (
        120,
        "lower(substr(name, strpos(name, ' ') + 1))",
        "lower(substr(name, instr(name, ' ') + 1))",
    ),
}

PG_FUNCTION = """
CREATE FUNCTION count_subscriber_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO subscriber_counts (publication_id, status, delta)
        SELECT publication_id, status, count(*) FROM new_rows GROUP BY publication_id, status;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO subscriber_counts (publication_id, status, delta)
        SELECT gone.publication_id, gone.status, -count(*) FROM old_rows AS gone
        WHERE EXISTS (SELECT 1 FROM publications WHERE publications.id = gone.publication_id)
        GROUP BY gone.publication_id, gone.status;
    ELSE
        INSERT INTO subscriber_counts (publication_id, status, delta)
        SELECT publication_id, status, sum(delta) FROM (
            SELECT publication_id, status, 1 AS delta FROM new_rows
            UNION ALL
            SELECT publication_id, status, -1 AS delta FROM old_rows
        ) AS changes
        GROUP BY publication_id, status
        HAVING sum(delta) <> 0;
    END IF;
    RETURN NULL;
END
$$
"""
PG_TRIGGERS = (
    "CREATE TRIGGER subscriber_counts_insert AFTER INSERT ON subscribers "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION count_subscriber_statuses()",
    "CREATE TRIGGER subscriber_counts_update AFTER UPDATE ON subscribers "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION count_subscriber_statuses()",
    "CREATE TRIGGER subscriber_counts_delete AFTER DELETE ON subscribers "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION count_subscriber_statuses()",
)
SQLITE_TRIGGERS = (
    """CREATE TRIGGER subscriber_counts_insert AFTER INSERT ON subscribers BEGIN
        INSERT INTO subscriber_counts (publication_id, status, delta)
        VALUES (NEW.publication_id, NEW.status, 1);
    END""",
    """CREATE TRIGGER subscriber_counts_update AFTER UPDATE OF status, publication_id
    ON subscribers WHEN OLD.status IS NOT NEW.status
        OR OLD.publication_id IS NOT NEW.publication_id BEGIN
        INSERT INTO subscriber_counts (publication_id, status, delta)
        VALUES (OLD.publication_id, OLD.status, -1);
        INSERT INTO subscriber_counts (publication_id, status, delta)
        VALUES (NEW.publication_id, NEW.status, 1);
    END""",
    """CREATE TRIGGER subscriber_counts_delete AFTER DELETE ON subscribers BEGIN
        INSERT INTO subscriber_counts (publication_id, status, delta)
        SELECT OLD.publication_id, OLD.status, -1
        WHERE EXISTS (SELECT 1 FROM publications WHERE id = OLD.publication_id);
    END""",
)
TRIGGER_NAMES = ("subscriber_counts_insert", "subscriber_counts_update", "subscriber_counts_delete")

PG_ACTIVATION = (
    """CREATE FUNCTION mark_subscriber_activation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.activated_at := now();
        RETURN NEW;
    END
    $$""",
    "CREATE TRIGGER subscriber_activation BEFORE UPDATE OF status ON subscribers FOR EACH ROW "
    "WHEN (NEW.status = 'active' AND OLD.status <> 'active') "
    "EXECUTE FUNCTION mark_subscriber_activation()",
)
# SQLAlchemy's way of storing a datetime on SQLite: microseconds, six digits.
SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"
SQLITE_ACTIVATION = (
    f"""CREATE TRIGGER subscriber_activation_insert AFTER INSERT ON subscribers
    WHEN NEW.activated_at IS NULL BEGIN
        UPDATE subscribers SET activated_at = {SQLITE_NOW} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER subscriber_activation AFTER UPDATE OF status ON subscribers
    WHEN NEW.status = 'active' AND OLD.status IS NOT 'active' BEGIN
        UPDATE subscribers SET activated_at = {SQLITE_NOW} WHERE id = NEW.id;
    END""",
)


def _add_subscriber_columns(postgres: bool) -> None:
    if postgres:
        # One ALTER, so subscribers is rewritten once.
        op.execute(
            "ALTER TABLE subscribers "
            + ", ".join(
                f"ADD COLUMN {name} varchar({length}) GENERATED ALWAYS AS ({pg}) STORED"
                for name, (length, pg, _) in SEARCH_KEYS.items()
            )
            + ", ADD COLUMN activated_at timestamp with time zone DEFAULT now()"
        )
        for statement in PG_ACTIVATION:
            op.execute(statement)
    else:
        for name, (length, _, lite) in SEARCH_KEYS.items():
            op.execute(
                f"ALTER TABLE subscribers ADD COLUMN {name} VARCHAR({length}) "
                f"GENERATED ALWAYS AS ({lite}) VIRTUAL"
            )
        op.execute("ALTER TABLE subscribers ADD COLUMN activated_at DATETIME")
        op.execute(f"UPDATE subscribers SET activated_at = {SQLITE_NOW}")
        for statement in SQLITE_ACTIVATION:
            op.execute(statement)
    op.create_index(
        "ix_subscribers_pub_activated", "subscribers", ["publication_id", "activated_at"]
    )
    op.add_column("sends", sa.Column("final_counts", sa.JSON(), nullable=True))
    for name in SEARCH_KEYS:
        op.create_index(
            f"ix_subscribers_pub_{name}_pattern",
            "subscribers",
            ["publication_id", name],
            postgresql_ops={name: "text_pattern_ops"},
        )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _add_subscriber_columns(postgres)
    op.create_table(
        "subscriber_counts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publications.id"],
            name=op.f("fk_subscriber_counts_publication_id_publications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriber_counts")),
    )
    op.create_index(
        op.f("ix_subscriber_counts_publication_id"), "subscriber_counts", ["publication_id"]
    )
    if postgres:
        op.execute("ALTER TABLE subscriber_counts ENABLE ROW LEVEL SECURITY")
        op.execute("ALTER TABLE subscriber_counts FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON subscriber_counts USING ({RULE}) "
            f"WITH CHECK ({RULE})"
        )
        op.execute(PG_FUNCTION)
        for statement in PG_TRIGGERS:
            op.execute(statement)
        # The owner is under row-level security too (FORCE): the backfill covers every tenant.
        op.execute("SELECT set_config('app.cross_tenant', 'on', true)")
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    rebuild(op.get_bind())


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    triggers = (*TRIGGER_NAMES, "subscriber_activation")
    if not postgres:
        triggers += ("subscriber_activation_insert",)
    for name in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON subscribers" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS count_subscriber_statuses()")
        op.execute("DROP FUNCTION IF EXISTS mark_subscriber_activation()")
    op.drop_index(op.f("ix_subscriber_counts_publication_id"), table_name="subscriber_counts")
    op.drop_table("subscriber_counts")
    for name in SEARCH_KEYS:
        op.drop_index(f"ix_subscribers_pub_{name}_pattern", table_name="subscribers")
    op.drop_index("ix_subscribers_pub_activated", table_name="subscribers")
    for name in (*reversed(SEARCH_KEYS), "activated_at"):
        op.execute(f"ALTER TABLE subscribers DROP COLUMN {name}")
    with op.batch_alter_table("sends") as batch:
        batch.drop_column("final_counts")
