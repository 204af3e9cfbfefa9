"""Insights' receivers of the lower features' signals: the rollups grow as things happen.

Connected once at start-up by `saas.insights.init_app`. A history line (audience) is counted
in the transaction that writes it, so a rolled-back change leaves no count; an import's
readers are counted in the import's transaction. A page view of an issue is counted in Redis
(saas.insights.page_views), never with a query of its own; views from link prefetchers and
crawlers are left out.
"""

from __future__ import annotations

from collections import Counter

from flask import request
from sqlalchemy import select

from saas.audience import hooks as audience_hooks
from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.insights import counting, page_views
from saas.publishing import hooks as publishing_hooks

# Substrings of User-Agent headers that belong to crawlers, previewers and link checkers.
NOT_A_READER = (
    "bot",
    "crawl",
    "spider",
    "slurp",
    "preview",
    "facebookexternalhit",
    "curl/",
    "python-requests",
    "headless",
)


def _history_line(publication_id, subscriber, kind: str, detail: str, issue_id) -> None:
    found = counting.metric(kind, detail, subscriber.status)
    if found is None:
        return
    today = utcnow().date()
    counting.add_growth(publication_id, today, subscriber.source, {found: 1})
    if found == counting.UNSUBSCRIBED and issue_id is not None:
        counting.add_issue(publication_id, issue_id, today, unsubscribed=1)


def _imported(publication, subscriber_ids: list[int]) -> None:
    rows = db.session.execute(
        select(Subscriber.source, Subscriber.status).where(Subscriber.id.in_(subscriber_ids))
    ).all()
    joined = Counter(
        source for source, status in rows if counting.metric("imported", "", status) is not None
    )
    today = utcnow().date()
    for source, count in sorted(joined.items()):
        counting.add_growth(publication.id, today, source, {counting.JOINED: count})


def looks_automated(purpose: str, agent: str) -> bool:
    """Whether a request with these headers is a prefetch or a known non-reader."""
    purpose, agent = purpose.lower(), agent.lower()
    if "prefetch" in purpose or "prerender" in purpose:
        return True
    return not agent or any(mark in agent for mark in NOT_A_READER)


def is_prefetch_or_robot() -> bool:
    """Whether the current request is a browser's prefetch or a known non-reader."""
    purpose = request.headers.get("Sec-Purpose") or request.headers.get("Purpose") or ""
    return looks_automated(purpose, request.user_agent.string or "")


def cache_hit_counter(app):
    """A listener for the public page cache: counts issue page views it answers itself."""

    def count(environ) -> None:
        if environ.get("REQUEST_METHOD") != "GET":
            return
        purpose = environ.get("HTTP_SEC_PURPOSE") or environ.get("HTTP_PURPOSE") or ""
        if looks_automated(purpose, environ.get("HTTP_USER_AGENT", "")):
            return
        with app.app_context():
            page_views.note_cached_view(environ.get("PATH_INFO", ""))

    return count


def _issue_viewed(publication, issue_id: int) -> None:
    if not is_prefetch_or_robot():
        page_views.note_view(publication.id, issue_id)


def _landing(publication) -> str:
    return "dashboard.insights.home_page"


def connect() -> None:
    """Connect every receiver (idempotent: blinker keeps one connection per function)."""
    audience_hooks.history_recorded.connect(_history_line, weak=False)
    audience_hooks.readers_imported.connect(_imported, weak=False)
    publishing_hooks.issue_viewed.connect(_issue_viewed, weak=False)
    publishing_hooks.dashboard_landing.connect(_landing, weak=False)
