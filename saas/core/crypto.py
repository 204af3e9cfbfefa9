"""Encryption at rest for confidential data: MultiFernet keys from config, encrypted columns.

Keys come from ``SUPPORT_ENCRYPTION_KEYS`` (comma-separated Fernet keys, the first encrypts,
all decrypt), or in the embedded default from ``instance/support_keys``. When that file is
the source, a decryption failure re-reads it once, so a server keeps working after
``flask rotate-key`` ran in another process. Errors raised here never carry plaintext.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import Text, TypeDecorator

_lock = threading.Lock()
_cache: dict[str, MultiFernet] = {}


class UndecryptableError(RuntimeError):
    """Stored data cannot be decrypted with any configured key."""


def parse_keys(value: str) -> list[str]:
    """The keys in a comma-separated list, newest (primary) first."""
    return [key.strip() for key in (value or "").split(",") if key.strip()]


def generate_key() -> str:
    """A fresh Fernet key."""
    return Fernet.generate_key().decode()


def multi_fernet(keys: list[str]) -> MultiFernet:
    """A MultiFernet for `keys` (cached; building one parses every key)."""
    joined = ",".join(keys)
    with _lock:
        if joined not in _cache:
            if not keys:
                raise UndecryptableError("no support encryption key is configured")
            _cache[joined] = MultiFernet([Fernet(key.encode()) for key in keys])
        return _cache[joined]


def current_keys() -> list[str]:
    """The configured keys of the running app."""
    return parse_keys(current_app.config["SUPPORT_ENCRYPTION_KEYS"])


def _reload_keys_file() -> bool:
    """Pick up keys a rotation in another process wrote; True when they changed."""
    path = current_app.config.get("SUPPORT_KEYS_FILE") or ""
    if not path or not Path(path).exists():
        return False
    fresh = ",".join(parse_keys(Path(path).read_text()))
    if not fresh or fresh == current_app.config["SUPPORT_ENCRYPTION_KEYS"]:
        return False
    current_app.config["SUPPORT_ENCRYPTION_KEYS"] = fresh
    return True


_by_setting: dict[str, MultiFernet] = {}


def _configured() -> MultiFernet:
    """The running app's MultiFernet, found by its setting as written (a page of encrypted
    rows decrypts thousands of values: no parsing and locking for each)."""
    setting = current_app.config["SUPPORT_ENCRYPTION_KEYS"]
    fernet = _by_setting.get(setting)
    if fernet is None:
        fernet = _by_setting[setting] = multi_fernet(parse_keys(setting))
    return fernet


def encrypt_text(plaintext: str) -> str:
    """Ciphertext (a Fernet token, ASCII) of `plaintext` under the primary key."""
    return _configured().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    """The plaintext of a token made by encrypt_text with any configured key."""
    try:
        return _configured().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        if _reload_keys_file():
            return decrypt_text(token)
        raise UndecryptableError("stored data does not decrypt with the configured keys") from None


def decryptor() -> Callable[[str | None], str]:
    """decrypt_text for many values in a row (a search window): the keys are looked up once.

    None decrypts to "" (an empty optional column).
    """
    fernet = _configured()

    def decrypt(token: str | None) -> str:
        if token is None:
            return ""
        try:
            return fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            return decrypt_text(token)  # keys rotated meanwhile, or a real failure

    return decrypt


def rotate_token(token: str, keys: list[str]) -> str:
    """Re-encrypt a token under the first of `keys` (any of them may have made it)."""
    try:
        return multi_fernet(keys).rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise UndecryptableError("a stored value does not decrypt with the given keys") from None


def require_keys(app: Flask) -> None:
    """Refuse to build a production app that could not read or write confidential data."""
    if not parse_keys(app.config.get("SUPPORT_ENCRYPTION_KEYS", "")):
        raise RuntimeError("SUPPORT_ENCRYPTION_KEYS must be set when TEND_ENV=production")


class EncryptedText(TypeDecorator):
    """Text encrypted with the support keys on the way in, decrypted on the way out.

    Stored as TEXT holding a Fernet token, so a raw SELECT (or a database error message
    quoting bound parameters) only ever shows ciphertext.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> str | None:
        if value is None:
            return None
        return encrypt_text(self.serialize(value))

    def process_result_value(self, value: Any, dialect) -> Any:
        if value is None:
            return None
        return self.deserialize(decrypt_text(value))

    def serialize(self, value: Any) -> str:
        """Python value -> plaintext."""
        return str(value)

    def deserialize(self, plaintext: str) -> Any:
        """Plaintext -> Python value."""
        return plaintext


class EncryptedJSON(EncryptedText):
    """A JSON document (lists, dicts, strings) stored encrypted."""

    cache_ok = True

    def serialize(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def deserialize(self, plaintext: str) -> Any:
        return json.loads(plaintext)
