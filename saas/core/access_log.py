"""gunicorn's access log as JSON lines, without personal data (gunicorn.conf.py uses it).

One object per request: time, method, path, status, bytes, duration, the request id the app
answered with (the same id as its own log lines), the public page cache's verdict and the
address gunicorn saw (the proxy's, behind one). The query string is left out and email
addresses and tokens in the path are replaced (sign-in and unsubscribe links carry tokens).
"""

from __future__ import annotations

import json
import time
import traceback
from typing import Any

from gunicorn.glogging import Logger

from saas.core.scrubbing import EMAIL_RE, TOKEN_RE


def _header(headers: Any, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def access_record(resp: Any, environ: dict, request_time: Any) -> dict[str, Any]:
    """The fields of one access-log line."""
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    path = environ.get("PATH_INFO") or "/"
    path = TOKEN_RE.sub("[token]", EMAIL_RE.sub("[email]", path))
    headers = resp.headers.items() if hasattr(resp.headers, "items") else resp.headers
    headers = list(headers)
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "type": "access",
        "method": environ.get("REQUEST_METHOD"),
        "path": path,
        "status": int(status) if str(status).isdigit() else status,
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 2),
        "request_id": _header(headers, "x-request-id"),
        "cache": _header(headers, "x-cache"),
        "remote": environ.get("REMOTE_ADDR"),
    }


class JsonAccessLogger(Logger):
    """gunicorn's logger with one JSON object per access-log line."""

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        try:
            line = json.dumps(access_record(resp, environ, request_time), separators=(",", ":"))
            self.access_log.info(line)
        except Exception:
            self.error(traceback.format_exc())
