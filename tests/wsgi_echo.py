"""A WSGI app for process-level tests: answers every request, echoing its X-Request-ID."""

from __future__ import annotations

from collections.abc import Callable, Iterable

BODY = b"echo\n"


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """200 with the request id the client sent and a page-cache verdict, like Tend's pages."""
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain"),
            ("Content-Length", str(len(BODY))),
            ("X-Request-ID", environ.get("HTTP_X_REQUEST_ID", "")),
            ("X-Cache", "HIT"),
        ],
    )
    return [BODY]
