"""What every storage backend shares: safe key names, media types, cache headers, the error."""

from __future__ import annotations

import re

# Letters, digits, dots, dashes and underscores in slash-separated parts; no empty or dot parts.
_KEY_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")
KEY_MAX = 512
# A year: names are content hashes, so the file at a URL never changes.
CACHE_SECONDS = 365 * 24 * 3600
CACHE_CONTROL = f"public, max-age={CACHE_SECONDS}, immutable"
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


class StorageError(RuntimeError):
    """The backend failed to store, read or delete a file."""


def checked_key(key: str) -> str:
    """`key` if it is a safe relative name, else ValueError (no traversal, no odd bytes)."""
    if not key or len(key) > KEY_MAX or not _KEY_RE.match(key):
        raise ValueError("unsafe storage key")
    return key


def content_type(key: str) -> str:
    """The media type of a stored file, from its extension."""
    return CONTENT_TYPES.get(key.rpartition(".")[2], "application/octet-stream")
