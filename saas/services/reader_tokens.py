"""Compact signed tokens that identify a reader in links and reply addresses.

Unsubscribe links never expire (a reader may click one from an old email); they are HMACs
over the publication and subscriber ids, short enough for an email local part.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app


def _mac(purpose: str, *parts: int) -> str:
    key = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{purpose}".encode()).digest()
    message = ".".join(str(p) for p in parts).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:12]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def sign_ids(purpose: str, *ids: int) -> str:
    """`<id>-<id>-<mac>`: lower-case letters, digits and hyphens only."""
    return "-".join([*(str(i) for i in ids), _mac(purpose, *ids)])


def read_ids(purpose: str, token: str, count: int) -> tuple[int, ...] | None:
    """The ids in a token made by sign_ids, or None if it is malformed or forged."""
    parts = (token or "").strip().lower().split("-")
    if len(parts) != count + 1 or not all(p.isdigit() and len(p) < 12 for p in parts[:-1]):
        return None
    ids = tuple(int(p) for p in parts[:-1])
    if not hmac.compare_digest(parts[-1], _mac(purpose, *ids)):
        return None
    return ids
