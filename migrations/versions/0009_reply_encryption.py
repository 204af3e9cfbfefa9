"""Reply text encrypted at rest; readers can turn off "the author answered you" emails.

- `replies.body_text`, `replies.body_html` and `replies.subject` hold Fernet tokens from now
  on (saas.crypto.EncryptedText in the model). `subject` becomes TEXT, since a token is longer
  than the 300 characters it held; the upgrade encrypts every existing row and the downgrade
  decrypts them again.
- `reply_standings.answer_emails_off_at`: when a reader opted out of answer notices.
- `ix_replies_issue_roots`: keyset pagination of an issue's public threads.

Keys. This migration does not import the app, so it reads the keys the way saas/config.py
does: the environment variable ``SUPPORT_ENCRYPTION_KEYS`` (comma-separated Fernet keys, the
first encrypts, all decrypt), or else, as in the embedded default, the file
``support_keys`` in ``TEND_INSTANCE_DIR`` (``./instance`` by default). A database with
replies and no key refuses to migrate rather than store text the app could not read. Run it
with the same environment as the web processes (docker compose's `web` service does).

SQLite cannot change a column's type in place and rebuilding `replies` would fire its
self-referencing cascades, so there `subject` is replaced by a new column (add, fill, drop
the old one, rename); PostgreSQL alters the type. On PostgreSQL the row pass turns on
`app.cross_tenant` for this transaction only, so row-level security lets it see every row.

Revision ID: 0009_reply_encryption
Revises: 0008_merge_replies_billing
"""

import os
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

revision = "0009_reply_encryption"
down_revision = "0008_merge_replies_billing"
branch_labels = None
depends_on = None

BATCH = 500
BODY_COLUMNS = ("body_text", "body_html")


def _keys() -> list[str]:
    """The support keys, newest first, from the environment or the embedded key file."""
    raw = os.environ.get("SUPPORT_ENCRYPTION_KEYS", "")
    if not raw.strip():
        instance = Path(os.environ.get("TEND_INSTANCE_DIR", Path.cwd() / "instance")).resolve()
        path = instance / "support_keys"
        raw = path.read_text() if path.exists() else ""
    return [key.strip() for key in raw.split(",") if key.strip()]


def _fernet(bind) -> MultiFernet | None:
    """The key set, or None when the table is empty; refuses to go on without keys."""
    if bind.execute(sa.text("SELECT id FROM replies LIMIT 1")).first() is None:
        return None
    keys = _keys()
    if not keys:
        raise RuntimeError(
            "replies exist but no SUPPORT_ENCRYPTION_KEYS (or instance/support_keys) is set: "
            "run the migration with the same environment as the app"
        )
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _see_every_tenant(bind) -> None:
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SELECT set_config('app.cross_tenant', 'on', true)"))


def _rewrite_rows(bind, convert, subject_from: str, subject_to: str) -> None:
    """Apply `convert` to the text columns of every reply, in id order, in batches."""
    replies = sa.table(
        "replies",
        sa.column("id", sa.Integer),
        *(sa.column(name, sa.Text) for name in {*BODY_COLUMNS, subject_from, subject_to}),
    )
    columns = [replies.c.body_text, replies.c.body_html, replies.c[subject_from]]
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(replies.c.id, *columns)
            .where(replies.c.id > last_id)
            .order_by(replies.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, body_text, body_html, subject in rows:
            bind.execute(
                sa.update(replies)
                .where(replies.c.id == row_id)
                .values(
                    {
                        "body_text": convert(body_text or ""),
                        "body_html": convert(body_html or ""),
                        subject_to: convert(subject or ""),
                    }
                )
            )
        last_id = rows[-1][0]


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.add_column(
        "reply_standings",
        sa.Column("answer_emails_off_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_replies_issue_roots", "replies", ["issue_id", "parent_id", "created_at", "id"]
    )
    if sqlite:
        op.execute("ALTER TABLE replies ADD COLUMN subject_sealed TEXT NOT NULL DEFAULT ''")
    else:
        op.execute("ALTER TABLE replies ALTER COLUMN subject TYPE TEXT")

    _see_every_tenant(bind)
    fernet = _fernet(bind)
    if fernet is not None:

        def seal(value: str) -> str:
            try:  # already a token (a half-finished earlier run): leave it
                fernet.decrypt(value.encode("ascii"))
                return value
            except (InvalidToken, UnicodeEncodeError):
                return fernet.encrypt(value.encode("utf-8")).decode("ascii")

        _rewrite_rows(bind, seal, "subject", "subject_sealed" if sqlite else "subject")

    if sqlite:
        op.execute("ALTER TABLE replies DROP COLUMN subject")
        op.execute("ALTER TABLE replies RENAME COLUMN subject_sealed TO subject")


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("ALTER TABLE replies ADD COLUMN subject_plain VARCHAR(300) NOT NULL DEFAULT ''")

    _see_every_tenant(bind)
    fernet = _fernet(bind)
    if fernet is not None:

        def unseal(value: str) -> str:
            if not value:
                return ""
            try:
                return fernet.decrypt(value.encode("ascii")).decode("utf-8")
            except (InvalidToken, UnicodeEncodeError):
                return value  # never encrypted

        _rewrite_rows(bind, unseal, "subject", "subject_plain" if sqlite else "subject")

    if sqlite:
        op.execute("ALTER TABLE replies DROP COLUMN subject")
        op.execute("ALTER TABLE replies RENAME COLUMN subject_plain TO subject")
    else:
        op.execute(
            "ALTER TABLE replies ALTER COLUMN subject TYPE VARCHAR(300) USING left(subject, 300)"
        )
    op.drop_index("ix_replies_issue_roots", table_name="replies")
    op.drop_column("reply_standings", "answer_emails_off_at")
