"""Request ids, structured logs and Sentry (web and worker), with personal data scrubbed."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_app_context, has_request_context, request

from saas.core.scrubbing import scrub, scrub_exception_values, scrub_text


class RequestIdFilter(logging.Filter):
    """Attach the current request id (or the RQ job id, or '-') to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def current_request_id() -> str:
    """The id tying log lines and Sentry events to one request or job."""
    if has_request_context():
        return g.get("request_id", "-")
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:  # outside a worker
        job = None
    return f"job:{job.id}" if job is not None else "-"


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers in production."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exception"] = scrub_text(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """Plain lines in development, JSON in production; both carry the request id."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if app.config["TEND_ENV"] == "production":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
        )
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False


def _tenant_tags(event: dict, job_name: str | None) -> None:
    tags = event.setdefault("tags", {})
    tags["request_id"] = current_request_id()
    if has_request_context():
        publication = g.get("publication")
        if publication is not None:
            tags["publication_id"] = publication.id
            tags["publication_slug"] = publication.slug
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            tags["user_id"] = current_user.id
    elif has_app_context():
        from saas.core.tenancy import current_publication_id

        publication_id = current_publication_id()
        if publication_id is not None:
            tags["publication_id"] = publication_id
    if job_name:
        tags["job"] = job_name


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Tag with tenant and job, then scrub every string of personal data."""
    rq_job = (event.get("extra") or {}).get("rq-job") or {}
    scrub_exception_values(event)
    request_info = event.get("request")
    if isinstance(request_info, dict):
        event["request"] = {
            "method": request_info.get("method"),
            "url": scrub_text(str(request_info.get("url", ""))),
        }
    event.pop("user", None)
    event.pop("extra", None)
    for key in ("breadcrumbs", "contexts", "logentry", "message", "tags", "exception"):
        if key in event:
            event[key] = scrub(event[key])
    # Our own tags are ids and names chosen by us: added after scrubbing.
    _tenant_tags(event, rq_job.get("func"))
    return event


def init_sentry(app: Flask) -> bool:
    """Start Sentry when SENTRY_DSN is set; returns whether it is on."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.redis import RedisIntegration
    from sentry_sdk.integrations.rq import RqIntegration
    from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["TEND_ENV"],
        release=app.config["RELEASE"],
        traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=before_send,
        before_send_transaction=before_send,
        integrations=[
            FlaskIntegration(),
            SqlalchemyIntegration(),
            RedisIntegration(),
            RqIntegration(),
            # No log lines as breadcrumbs or events: logs are not for personal data.
            LoggingIntegration(level=None, event_level=None),
        ],
    )
    return True


def init_app(app: Flask) -> None:
    """Request ids on every request, logs that carry them, Sentry when configured."""
    configure_logging(app)
    init_sentry(app)

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        ok = 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum()
        g.request_id = incoming if ok else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response
