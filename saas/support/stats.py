"""Support numbers for the stats page: requests per week and per issue that led to them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from saas.core.charts import Bar
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.publishing.models import Publication
from saas.support.models import SupportRequest
from saas.support.queries import issue_titles

WEEKS = 12
TOP_ISSUES = 10


def week_start(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def per_week(
    publication: Publication, weeks: int = WEEKS, now: datetime | None = None
) -> list[Bar]:
    """Requests received in each of the last `weeks` weeks (publication's time zone)."""
    tz = ZoneInfo(publication.timezone)
    today = (now or utcnow()).astimezone(tz).date()
    first = week_start(today) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    created = db.session.scalars(
        select(SupportRequest.created_at).where(
            SupportRequest.publication_id == publication.id, SupportRequest.created_at >= since
        )
    )
    counts = {first + timedelta(weeks=i): 0 for i in range(weeks)}
    for moment in created:
        start = week_start(moment.astimezone(tz).date())
        if start in counts:
            counts[start] += 1
    return [Bar(f"{start:%-d %b}", n, f"Week of {start:%-d %B %Y}") for start, n in counts.items()]


def per_issue(publication: Publication, top: int = TOP_ISSUES) -> list[Bar]:
    """Requests by the issue the reader came from, most first; the rest and direct ones last."""
    rows = db.session.execute(
        select(SupportRequest.source_issue_number, func.count())
        .where(SupportRequest.publication_id == publication.id)
        .group_by(SupportRequest.source_issue_number)
    ).all()
    direct = sum(n for number, n in rows if number is None)
    by_issue = sorted(
        ((number, n) for number, n in rows if number is not None), key=lambda r: -r[1]
    )
    titles = issue_titles(publication, [number for number, _ in by_issue[:top]])
    bars = [
        Bar(f"Issue {number}", n, f"Issue {number}: {titles.get(number, 'deleted issue')}")
        for number, n in by_issue[:top]
    ]
    rest = sum(n for _, n in by_issue[top:])
    if rest:
        bars.append(Bar("Others", rest, "Other issues"))
    if direct:
        bars.append(Bar("Direct", direct, "Not from an issue (direct or embedded form)"))
    return bars
