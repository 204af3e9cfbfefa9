"""Insights' pages: the dashboard home (where signing in lands) and each issue's report,
with a CSV of every chart."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, g, render_template

from saas.core.charts import bar_chart, row_chart
from saas.core.extensions import db
from saas.insights import growth, home, page_views, report
from saas.insights.growth_chart import growth_chart
from saas.publishing import dashboard_parent
from saas.publishing.models import Issue

dashboard_bp = dashboard_parent.nest("insights", __name__)


def _csv(name: str, header: list[str], rows: list[list]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@dashboard_bp.route("/<pub_slug>/home")
def home_page():
    publication = g.publication
    page_views.flush()
    weeks = growth.weekly()
    latest = home.latest_issue(publication)
    return render_template(
        "insights/home.html",
        subscribers=home.subscribers_now(publication),
        changes=[(days, growth.net_change(days)) for days in growth.WINDOWS],
        weeks=weeks,
        chart=growth_chart(weeks),
        has_history=growth.has_history(),
        sources=growth.top_sources(),
        paid=home.paid(publication),
        latest=report.issue_report(publication, latest) if latest else None,
        attention=home.attention(publication),
    )


@dashboard_bp.route("/<pub_slug>/home/growth.csv")
def growth_csv():
    rows = [
        [f"{w.start:%Y-%m-%d}", w.joined, w.unsubscribed, w.bounced, w.net] for w in growth.weekly()
    ]
    header = ["week_starting", "joined", "unsubscribed", "bounced", "net"]
    return _csv(f"{g.publication.slug}-growth.csv", header, rows)


def _issue(issue_id: int) -> Issue:
    issue = db.session.get(Issue, issue_id)
    if issue is None or issue.publication_id != g.publication.id:
        abort(404)
    return issue


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/report")
def issue_report(issue_id: int):
    page_views.flush()
    found = report.issue_report(g.publication, _issue(issue_id))
    bars = found.view_bars()
    return render_template(
        "insights/issue_report.html",
        report=found,
        funnel=report.FUNNEL,
        views_chart=(bar_chart(bars), row_chart(bars)),
    )


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/report/views.csv")
def issue_views_csv(issue_id: int):
    page_views.flush()
    found = report.issue_report(g.publication, _issue(issue_id))
    rows = [[f"{day:%Y-%m-%d}", views] for day, views in found.views_by_day]
    return _csv(f"issue-{issue_id}-web-views.csv", ["day", "web_views"], rows)
