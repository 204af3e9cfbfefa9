"""One issue's numbers: its delivery funnel, readers lost to it, replies, support requests,
web views. Counts only: nothing here names a reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from saas.core.charts import Bar
from saas.core.extensions import db
from saas.delivery import sending
from saas.delivery.models import SEND_DONE
from saas.delivery.upkeep import delivery_counts
from saas.insights.models import IssueDaily
from saas.publishing.models import Issue, Publication
from saas.replies.models import PRIVATE, PUBLIC, Reply
from saas.support.models import SupportRequest

FUNNEL = (
    ("recipients", "Recipients"),
    ("sent", "Sent"),
    ("deferred", "Deferred (trying again)"),
    ("bounced", "Bounced"),
    ("failed", "Failed"),
)
VIEW_DAYS = 30


@dataclass
class IssueReport:
    """What the report page and the home's latest-issue card show."""

    issue: Issue
    has_send: bool = False
    funnel: dict[str, int] = field(default_factory=dict)
    unsubscribed: int = 0
    unsubscribed_7_days: int = 0
    replies_public: int = 0
    replies_private: int = 0
    support_requests: int = 0
    web_views: int = 0
    views_by_day: list[tuple[date, int]] = field(default_factory=list)

    @property
    def replies(self) -> int:
        return self.replies_public + self.replies_private

    def view_bars(self) -> list[Bar]:
        """Views per day since publishing (at most VIEW_DAYS days), for the bar chart."""
        return [Bar(f"{d:%d}", n, f"{d:%A %d %B %Y}") for d, n in self.views_by_day]


def _funnel(publication: Publication, issue: Issue) -> tuple[bool, dict[str, int]]:
    send = sending.send_for_issue(publication, issue.id)
    if send is None:
        return False, {}
    counts = send.final_counts if send.status == SEND_DONE and send.final_counts else None
    counts = counts or delivery_counts(send)
    funnel = {key: int(counts.get(key, 0)) for key, _label in FUNNEL if key != "recipients"}
    funnel["recipients"] = send.total or sum(counts.values())
    return True, funnel


def _issue_days(issue: Issue) -> list[tuple[date, int, int]]:
    rows = db.session.execute(
        select(IssueDaily.day, IssueDaily.web_views, IssueDaily.unsubscribed)
        .where(IssueDaily.issue_id == issue.id)
        .order_by(IssueDaily.day)
    ).all()
    return [(day, int(views), int(unsubs)) for day, views, unsubs in rows]


def _views_by_day(issue: Issue, days: list[tuple[date, int, int]]) -> list[tuple[date, int]]:
    if issue.published_at is None:
        return []
    first = issue.published_at.date()
    last = max([first, *(d for d, _v, _u in days)])
    first = max(first, last - timedelta(days=VIEW_DAYS - 1))
    views = {d: v for d, v, _u in days}
    return [
        (first + timedelta(days=n), views.get(first + timedelta(days=n), 0))
        for n in range((last - first).days + 1)
    ]


def issue_report(publication: Publication, issue: Issue) -> IssueReport:
    """Every number of the issue's report (a handful of small queries)."""
    report = IssueReport(issue)
    report.has_send, report.funnel = _funnel(publication, issue)
    days = _issue_days(issue)
    report.unsubscribed = sum(u for _d, _v, u in days)
    report.web_views = sum(v for _d, v, _u in days)
    if issue.published_at is not None:
        window_end = issue.published_at.date() + timedelta(days=7)
        report.unsubscribed_7_days = sum(u for d, _v, u in days if d <= window_end)
    report.views_by_day = _views_by_day(issue, days)
    replies = dict(
        db.session.execute(
            select(Reply.status, func.count())
            .where(
                Reply.issue_id == issue.id,
                Reply.is_author.is_(False),
                Reply.deleted_at.is_(None),
                Reply.status.in_((PUBLIC, PRIVATE)),
            )
            .group_by(Reply.status)
        ).all()
    )
    report.replies_public = int(replies.get(PUBLIC, 0))
    report.replies_private = int(replies.get(PRIVATE, 0))
    report.support_requests = int(
        db.session.scalar(
            select(func.count())
            .select_from(SupportRequest)
            .where(SupportRequest.source_issue_id == issue.id)
        )
    )
    return report
