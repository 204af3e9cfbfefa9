"""The embedded default: files on local disk under UPLOADS_DIR, served by Tend at /media/<key>.

Writes go to a temporary file renamed into place, so a reader never gets half a file. The
`/media/` route serves only stored images (by extension), with year-long immutable cache
headers: names are content hashes, so a changed file always has a new name.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, send_from_directory

from saas.core.storage.base import (
    CACHE_CONTROL,
    CACHE_SECONDS,
    CONTENT_TYPES,
    StorageError,
    checked_key,
    content_type,
)

PATH_PREFIX = "/media/"

bp = Blueprint("media", __name__)


class LocalStorage:
    """Files under one folder; keys are relative paths inside it."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / checked_key(key)).resolve()
        if self.root not in path.parents:
            raise ValueError("unsafe storage key")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file atomically (a temporary file in the same folder, then a rename)."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(temporary, 0o644)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(f"could not store {key}: {exc.strerror}") from exc

    def get(self, key: str) -> bytes:
        """The file's bytes; FileNotFoundError when there is none."""
        return self._path(key).read_bytes()

    def delete(self, keys: Iterable[str]) -> None:
        """Delete the files, then any folder they leave empty."""
        for key in keys:
            path = self._path(key)
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise StorageError(f"could not delete {key}: {exc.strerror}") from exc
            folder = path.parent
            while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent

    def keys(self, prefix: str) -> list[str]:
        """Every stored key starting with `prefix` (temporary files left out)."""
        # Only the folder the prefix names is walked ("12/" -> 12/), not every upload.
        named = prefix.rpartition("/")[0]
        folder = self._path(named) if named else self.root  # ValueError for an unsafe prefix
        if not folder.is_dir():
            return []
        found = []
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    found.append(key)
        return sorted(found)

    def url(self, key: str) -> str:
        """BASE_URL/media/<key>."""
        return f"{current_app.config['BASE_URL']}{PATH_PREFIX}{checked_key(key)}"

    def key_for(self, url: str) -> str | None:
        """The key of a /media/ address, whatever host BASE_URL named when it was made."""
        path = urlsplit(url or "").path
        if not path.startswith(PATH_PREFIX):
            return None
        try:
            return checked_key(path[len(PATH_PREFIX) :])
        except ValueError:
            return None


@bp.route(f"{PATH_PREFIX}<path:key>")
def file(key: str):
    """A stored image, cached for a year by browsers and proxies."""
    storage = current_app.extensions["storage"]
    if not isinstance(storage, LocalStorage) or key.rpartition(".")[2] not in CONTENT_TYPES:
        abort(404)
    try:
        checked_key(key)
    except ValueError:
        abort(404)
    response = send_from_directory(
        storage.root, key, mimetype=content_type(key), max_age=CACHE_SECONDS, conditional=True
    )
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response
