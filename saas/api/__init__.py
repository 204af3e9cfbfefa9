"""API: Tend for the practitioner's other tools (calendars, CRMs, automation services).

A versioned REST API under `/api/v1/`, reached with per-publication API keys that the owner
makes in the settings (shown once, kept as a keyed hash, each with its scopes, revocable,
rate-limited per key). The key names the tenant: every API route nests into `parent`, which
binds the key's publication through saas.core.tenancy; no URL carries a publication.

Models: ApiKey (models). Services: keys (making, finding, revoking keys), scopes. The API:
spec (spectree: the models behind the OpenAPI 3.1 document, request and response checks, the
`operation` decorator), document (the served document), schemas/ (pydantic models per
resource), *_views (subscribers and tags, issues, sends, replies, support, stats: thin views
over each feature's services), docs_views and reference (`/api/v1/openapi.json` and the
reference page). Dashboard: key_views and forms (the API keys page in the settings). Errors
are RFC 9457 problem details (saas.core.problems).

May import: saas.core, saas.mail, saas.accounts, saas.publishing, saas.audience,
saas.billing, saas.delivery, saas.replies, saas.support.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The API's routes under their parent, and the API keys page in the dashboard."""
    from saas.api import (  # noqa: F401  (register routes)
        docs_views,
        issue_views,
        key_views,
        reply_views,
        send_views,
        stats_views,
        subscriber_views,
        support_views,
    )
    from saas.api.parent import bp as api_parent

    app.register_blueprint(api_parent)
