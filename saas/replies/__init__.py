"""Replies: readers answering an issue on the web or by email, and the practitioner's inbox.

Models: Reply, ReplyStanding (models). Services: posting (who may reply, post, edit, delete),
queries and threads (public threads, the inbox), moderation, notices (answers on the page),
mail and digest (notifications), text (light Markdown), inbound, inbound_limits, inbound_mime,
inbound_quotes and html_text (email replies). Routes: the inbox in the dashboard, the reply
section of issue pages, `POST /inbound/email`.

May import: saas.core, saas.mail, saas.accounts, saas.publishing, saas.audience, saas.billing,
saas.delivery. Independent of saas.support.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes, hooks and reply digests."""
    from saas.core import periodic
    from saas.replies import (  # noqa: F401  (register routes)
        hooks,
        inbox_actions,
        inbox_views,
        page_holes,
        public_views,
    )
    from saas.replies.digest import send_reply_digests
    from saas.replies.inbound_views import bp as inbound_bp

    app.register_blueprint(inbound_bp)
    hooks.connect()
    page_holes.init_page_holes(app)
    periodic.register(app, "sending reply digests", send_reply_digests)


def init_cli(app: Flask) -> None:
    """`flask reply-digest`."""
    from saas.replies import cli

    cli.init_app(app)
