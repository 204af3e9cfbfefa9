"""Support stats: requests per week and per issue that led to them, as charts and tables."""

from __future__ import annotations

from flask import g, render_template

from saas.core.charts import bar_chart, row_chart
from saas.support import pipeline as support_pipeline
from saas.support import stats as support_stats
from saas.support.access import require_support_access
from saas.support.blueprints import dashboard_bp


@dashboard_bp.route("/<pub_slug>/support/stats")
def support_stats_page():
    require_support_access()
    weekly = support_stats.per_week(g.publication)
    by_issue = support_stats.per_issue(g.publication)
    return render_template(
        "support/stats.html",
        weekly=(bar_chart(weekly), row_chart(weekly)),
        by_issue=(bar_chart(by_issue), row_chart(by_issue)),
        counts=support_pipeline.stage_counts(g.publication),
        labels=support_pipeline.STAGE_LABELS,
    )
