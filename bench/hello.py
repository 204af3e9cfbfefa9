"""A bare WSGI 'hello' app: the baseline `make bench` divides the real pages by.

It does no routing, no templating and no database work, so under the same gunicorn
settings its throughput is what the server, the kernel and wrk can do on this machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

BODY = b"Hello, world!\n"
HEADERS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Answer every request with a small fixed body."""
    start_response("200 OK", HEADERS)
    return [BODY]
