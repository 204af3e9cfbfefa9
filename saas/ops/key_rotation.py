"""Key rotation for encrypted data (support requests, reader replies, two-factor secrets,
sending domains' DKIM keys): a new primary key, every row re-encrypted.

Re-encryption reads and writes the raw Fernet tokens (never the plaintext) of every
encrypted column in every publication, in batches; it is safe to run again after an
interruption as long as the old keys stay configured until it has finished.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from sqlalchemy import Table, Text, select, type_coerce, update

from saas.accounts.models import User
from saas.core.crypto import current_keys, generate_key, rotate_token
from saas.core.extensions import db
from saas.core.tenancy import cross_tenant
from saas.delivery.models import DkimKey
from saas.replies.models import Reply
from saas.support.models import SupportEvent, SupportRequest

BATCH = 500
ENCRYPTED_COLUMNS: list[tuple[Table, tuple[str, ...]]] = [
    (SupportRequest.__table__, ("name", "email", "phone", "message", "answers")),
    (SupportEvent.__table__, ("body",)),
    # Readers' replies share the keys too (they can carry health information).
    (Reply.__table__, ("body_text", "body_html", "subject")),
    # Two-factor secrets share the keys (an empty value means two-factor is off).
    (User.__table__, ("totp_secret_encrypted",)),
    # Sending domains' DKIM private keys (None once a key is retired).
    (DkimKey.__table__, ("private_key",)),
]


def write_keys_file(path: Path, keys: list[str]) -> None:
    """Replace the embedded key file atomically, readable by its owner only."""
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(",".join(keys))
    os.replace(tmp, path)
    path.chmod(0o600)


def add_primary_key() -> list[str]:
    """Generate a key and make it primary, keeping the old ones for decryption.

    In the embedded default the key file is rewritten; otherwise the caller must deploy
    the returned list as SUPPORT_ENCRYPTION_KEYS.
    """
    keys = [generate_key(), *current_keys()]
    path = current_app.config.get("SUPPORT_KEYS_FILE") or ""
    if path:
        write_keys_file(Path(path), keys)
    current_app.config["SUPPORT_ENCRYPTION_KEYS"] = ",".join(keys)
    return keys


def reencrypt_all(keys: list[str] | None = None) -> int:
    """Re-encrypt every stored value under the primary key; returns how many were rewritten."""
    keys = keys or current_keys()
    rewritten = 0
    with cross_tenant():
        for table, names in ENCRYPTED_COLUMNS:
            columns = [type_coerce(table.c[name], Text).label(name) for name in names]
            last_id = 0
            while True:
                rows = db.session.execute(
                    select(table.c.id, *columns)
                    .where(table.c.id > last_id)
                    .order_by(table.c.id)
                    .limit(BATCH)
                ).all()
                if not rows:
                    break
                for row in rows:
                    values = {
                        name: type_coerce(rotate_token(getattr(row, name), keys), Text)
                        for name in names
                        if getattr(row, name)
                    }
                    if values:
                        db.session.execute(
                            update(table).where(table.c.id == row.id).values(**values)
                        )
                        rewritten += len(values)
                db.session.commit()
                last_id = rows[-1].id
    return rewritten
