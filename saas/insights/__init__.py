"""Insights: growth, the dashboard home and per-issue reports, counted without watching readers.

Models: DailyGrowth (readers joined, unsubscribed, bounced per publication, day and source),
IssueDaily (an issue's web views and the unsubscribes its email caused, per day). counting
(what a history line adds, and the upserts), hooks (receivers of audience's and publishing's
signals that add as things happen), page_views (issue page views counted in Redis and
flushed into the rollups), rebuild (the same counts from the raw rows; `flask
rebuild-insights`). Routes: the dashboard home, where signing in lands, and each issue's
report, with CSV downloads of every chart.

May import: saas.core, saas.mail, saas.accounts, saas.publishing, saas.audience,
saas.billing, saas.delivery, saas.replies, saas.support.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes and receivers."""
    from saas.core import periodic
    from saas.insights import dashboard, hooks  # noqa: F401  (register routes)
    from saas.insights.page_views import flush

    hooks.connect()
    page_cache = app.extensions.get("public_page_cache")
    if page_cache is not None:
        page_cache.hit_listeners.append(hooks.cache_hit_counter(app))
    periodic.register(app, "counting issue page views", flush, 60.0)


def init_cli(app: Flask) -> None:
    """`flask rebuild-insights`, `flask flush-page-views`."""
    from saas.insights import cli

    cli.init_app(app)
