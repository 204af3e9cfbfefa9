"""The Redis every web process shares for caches: page versions, rendered pages, reader states.

A cache must never make a page slower or fail it. Every call here fails open: while Redis is
unreachable reads answer "nothing cached" and writes are dropped, after at most one short
timeout (``CACHE_REDIS_TIMEOUT``); the first failure is logged and Redis is then left alone
for ``RETRY_SECONDS`` before it is tried again, so an outage does not cost every request a
timeout. Without REDIS_URL (the embedded default) the process's in-memory fake Redis (the
queue's, saas.core.queue) stands in, so the same code runs.

Keys are prefixed with ``CACHE_KEY_PREFIX``. Values are bytes; callers choose the encoding.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError

RETRY_SECONDS = 5.0


class SharedCache:
    """Fail-open access to the shared Redis, under one key prefix."""

    def __init__(
        self,
        connect: Callable[[], Redis],
        prefix: str,
        log: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._connect = connect
        self._client: Redis | None = None
        self.prefix = prefix
        self._log = log or (lambda message: None)
        self._clock = clock
        self._down_until = 0.0
        self._lock = threading.Lock()
        # Work to redo once Redis answers again (saas.core.content_versions' missed bumps).
        self._on_recovery: list[Callable[[], None]] = []

    # --- the connection -------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """False while a recent failure keeps Redis out of the request path."""
        return self._clock() >= self._down_until

    def _redis(self) -> Redis | None:
        if not self.available:
            return None
        if self._client is None:
            self._client = self._connect()
        if not self._recovered():
            return None
        return self._client

    def _failed(self, exc: Exception) -> None:
        first = self.available
        self._down_until = self._clock() + RETRY_SECONDS
        if first:
            self._log(f"shared cache unreachable ({exc}); pages are built without it")

    def when_back(self, action: Callable[[], None]) -> None:
        """Run `action` before the next call, once Redis answers (it re-registers itself
        with `when_back` if Redis is still away)."""
        with self._lock:
            self._on_recovery.append(action)

    def _recovered(self) -> bool:
        """Redo missed work before anything else is read or written; False while away."""
        if not self._on_recovery:
            return True
        with self._lock:
            actions, self._on_recovery = self._on_recovery, []
        for action in actions:
            action()
        return not self._on_recovery

    # --- operations -----------------------------------------------------------------------

    def get_many(self, keys: list[str]) -> list[bytes | None] | None:
        """Values of `keys` (None for each missing), or None when Redis is unreachable."""
        redis = self._redis()
        if redis is None:
            return None
        try:
            values = redis.mget([self.prefix + key for key in keys]) if keys else []
        except RedisError as exc:
            self._failed(exc)
            return None
        return values

    def set_many(self, values: Mapping[str, bytes], ttl: int) -> bool:
        """Store every value for `ttl` seconds in one round trip; False when unreachable."""
        redis = self._redis()
        if redis is None or not values:
            return False
        try:
            pipe = redis.pipeline(transaction=False)
            for key, value in values.items():
                pipe.set(self.prefix + key, value, ex=max(1, int(ttl)))
            pipe.execute()
        except RedisError as exc:
            self._failed(exc)
            return False
        return True

    def set(self, key: str, value: bytes, ttl: int | None = None, only_new: bool = False) -> bool:
        """Store one value (`only_new`: unless the key exists); False if not stored."""
        redis = self._redis()
        if redis is None:
            return False
        try:
            stored = redis.set(self.prefix + key, value, ex=int(ttl) if ttl else None, nx=only_new)
        except RedisError as exc:
            self._failed(exc)
            return False
        return bool(stored)

    def delete(self, keys: Iterable[str]) -> bool:
        """Remove keys; False when unreachable."""
        redis = self._redis()
        names = [self.prefix + key for key in keys]
        if redis is None:
            return False
        try:
            if names:
                redis.delete(*names)
        except RedisError as exc:
            self._failed(exc)
            return False
        return True


def _connector(app: Flask) -> Callable[[], Redis]:
    url = app.config["REDIS_URL"]
    timeout = float(app.config["CACHE_REDIS_TIMEOUT"])

    def connect() -> Redis:
        if not url:
            from saas.core.queue import get_connection

            with app.app_context():
                return get_connection()
        return Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)

    return connect


def init_app(app: Flask) -> None:
    """Give the app its shared cache (connected on first use)."""
    app.extensions["shared_cache"] = SharedCache(
        _connector(app), app.config["CACHE_KEY_PREFIX"], log=app.logger.warning
    )


def shared_cache() -> SharedCache:
    """The current app's shared cache."""
    return current_app.extensions["shared_cache"]


class LocalCopies:
    """This process's decoded copies of shared entries, each kept with its version stamp.

    A copy is used only while the stamp the caller holds (read from the shared cache in the
    same request) is the one it was stored with, so it is never staler than the shared
    entry; it saves fetching and decoding that entry again. Least recently used go first.
    """

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[str, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, stamp: str) -> object | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != stamp:
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: str, stamp: str, value: object) -> None:
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
