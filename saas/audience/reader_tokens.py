"""Compact signed tokens that identify a reader in links and reply addresses.

Unsubscribe links never expire (a reader may click one from an old email); they are HMACs
over the publication and subscriber ids, short enough for an email local part. A send
signs two tokens per message, so the per-purpose key is derived once per secret and the
MAC is written in base32 without the email package's pure-Python encoder.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from flask import current_app

_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648's alphabet, lower-cased
_MAC_BYTES = 12  # 96 bits: 20 base32 characters once the padding is dropped


@lru_cache(maxsize=64)
def _key(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"{secret}:{purpose}".encode()).digest()


def base32_lower(data: bytes) -> str:
    """RFC 4648 base32 of `data`, lower case, without "=" padding."""
    bits = len(data) * 8
    chars = -(-bits // 5)
    number = int.from_bytes(data, "big") << (chars * 5 - bits)
    return "".join(_BASE32[(number >> shift) & 31] for shift in range(chars * 5 - 5, -1, -5))


def _mac(purpose: str, *parts: int) -> str:
    key = _key(current_app.config["SECRET_KEY"], purpose)
    message = ".".join(str(p) for p in parts).encode()
    return base32_lower(hmac.digest(key, message, "sha256")[:_MAC_BYTES])


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
