"""Uploaded files behind one interface: local disk (embedded default) or an S3-compatible bucket.

Callers store bytes under a key and hand readers `url(key)`; they never know which backend
holds the file. Keys are content-addressed by the caller and start with the owning
publication's id (`<publication_id>/<name>`), so a file never changes once written (served
with year-long cache headers) and a publication's files can be listed and erased together.
STORAGE_BACKEND picks the backend (README: configuration); `get_storage()` returns the app's.

base (safe key names, media types, cache headers, StorageError), local (files under
UPLOADS_DIR, served at `/media/<key>`), s3 (boto3 against any S3-compatible endpoint).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from flask import Flask, current_app

from saas.core.storage.base import StorageError

__all__ = ["Storage", "StorageError", "build", "get_storage", "init_app"]


class Storage(Protocol):
    """What every backend offers."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key` (replacing a file already there)."""

    def get(self, key: str) -> bytes:
        """The file's bytes; FileNotFoundError when there is none."""

    def delete(self, keys: Iterable[str]) -> None:
        """Delete these files; keys with no file are ignored."""

    def keys(self, prefix: str) -> list[str]:
        """Every key starting with `prefix`, sorted."""

    def url(self, key: str) -> str:
        """The absolute address readers fetch the file from."""

    def key_for(self, url: str) -> str | None:
        """The key behind an address `url()` gave (at any base address), else None."""


def build(config) -> Storage:
    """The backend the configuration asks for."""
    backend = config["STORAGE_BACKEND"]
    if backend == "local":
        from saas.core.storage.local import LocalStorage

        return LocalStorage(config["UPLOADS_DIR"])
    if backend == "s3":
        from saas.core.storage.s3 import S3Storage

        return S3Storage.from_config(config)
    raise RuntimeError(f"STORAGE_BACKEND must be 'local' or 's3', not {backend!r}")


def init_app(app: Flask) -> None:
    """Make the configured backend the app's, and serve local files at /media/."""
    from saas.core.storage.local import bp

    app.extensions["storage"] = build(app.config)
    app.register_blueprint(bp)


def get_storage() -> Storage:
    """The current app's storage backend."""
    return current_app.extensions["storage"]
