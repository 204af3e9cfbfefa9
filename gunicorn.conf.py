"""gunicorn settings for Tend's web processes (`gunicorn saas.wsgi:app` reads this file from
the working directory; the Dockerfile runs it from /app).

Workers and threads follow the CPUs this process may run on, unless set:

- ``WEB_CONCURRENCY``: worker processes (default: 2 per CPU, at least 2);
- ``GUNICORN_THREADS``: threads per worker (default 1: sync workers; more than 1 switches
  to gthread workers, which also keep client connections alive between requests);
- ``GUNICORN_TIMEOUT``: seconds a request may take before its worker is restarted (30);
- ``GUNICORN_BIND`` (``0.0.0.0:8000``), ``GUNICORN_ACCESS_LOG`` (``-``, standard output;
  empty turns it off) and ``GUNICORN_LOG_LEVEL`` (``info``).

A request spends part of its time waiting on Redis and PostgreSQL; a second worker per CPU
runs while the first waits. The access log is one JSON object per request
(saas.core.access_log), like the app's own logs in production.
"""

import os


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


workers = max(1, _int("WEB_CONCURRENCY", max(2, 2 * _cpus())))
threads = max(1, _int("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = timeout
keepalive = 5
backlog = 2048
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
logger_class = "saas.core.access_log.JsonAccessLogger"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
errorlog = "-"
