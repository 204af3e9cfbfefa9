"""The shared limiter bound to the app; on Redis it counts in memory while Redis is away.

With Redis as storage (production), Flask-Limiter's in-memory fallback takes over at the
first request Redis fails: it logs "Rate limit storage unreachable - falling back to
in-memory storage" once, keeps counting every limit in this process's memory (so a public
form still answers 429 after its N tries), checks Redis again after 1, 2, 4 ... 32 seconds
of requests, and logs "Rate limit storage recovered" once when it answers, counting in Redis
from then on. The library's lines go through the app's log handler; its per-breach lines
("ratelimit ... exceeded", which carry the key: an IP address) are left out.

Errors are not swallowed (RATELIMIT_SWALLOW_ERRORS): Flask-Limiter would swallow the
`abort()` with which a breach callback answers (the support form's 429 page that still shows
the crisis lines) and answer a bare 429 instead. What the fallback does not cover is a
deferred deduction (the support form's per-address count, taken after the response) when
Redis fails in the middle of that one request: that request answers 500.

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
    library_log = logging.getLogger(LIBRARY_LOGGER)
    library_log.handlers[:] = list(app.logger.handlers)
    library_log.filters[:] = [_NoBreachLines()]
    library_log.setLevel(logging.INFO)
    library_log.propagate = False
    limiter.init_app(app)
