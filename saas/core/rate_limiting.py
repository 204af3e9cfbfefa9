"""The shared limiter bound to the app; on Redis it counts in memory while Redis is away.

With Redis as storage (production), Flask-Limiter's in-memory fallback takes over at the
first request Redis fails: it logs "Rate limit storage unreachable - falling back to
in-memory storage" once, keeps counting every limit in this process's memory (so a public
form still answers 429 after its N tries), checks Redis again after 1, 2, 4 ... 32 seconds
of requests, and logs "Rate limit storage recovered" once when it answers, counting in Redis
from then on. Errors the fallback does not cover (a deferred deduction or the rate-limit
headers when Redis fails between a request's start and its end) are logged and swallowed
rather than turned into a 500. The library's lines go through the app's log handler; its
per-breach lines ("ratelimit ... exceeded", which carry the key: an IP address) are left out.

The limiter is one object (saas.core.extensions) because routes are decorated at import.
Flask-Limiter keeps its storage and some settings on that object, so in a process that
creates several apps the last `init_app` decides the storage of all of them, and the
fallback and error settings stay as the first app to set them left them. Production runs one
app per process; tests that create a second app keep it on the same storage.
"""

from __future__ import annotations

import logging

from flask import Flask

from saas.core.extensions import limiter

LIBRARY_LOGGER = "flask-limiter"


class _NoBreachLines(logging.Filter):
    """Drops Flask-Limiter's line for each refused request (it names the key)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("ratelimit ")


def init_limiter(app: Flask) -> None:
    """Bind the limiter to `app`, with the in-memory fallback when storage is not memory."""
    on_redis = not str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory://")
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", on_redis)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", on_redis)
    library_log = logging.getLogger(LIBRARY_LOGGER)
    library_log.handlers[:] = list(app.logger.handlers)
    library_log.filters[:] = [_NoBreachLines()]
    library_log.setLevel(logging.INFO)
    library_log.propagate = False
    limiter.init_app(app)
