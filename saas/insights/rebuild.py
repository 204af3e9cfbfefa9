"""Rebuilding the rollups from the raw rows: readers' history lines (growth, unsubscribes
attributed to issues).

For existing data, the demo, and the repair should a count ever be lost. Web page views
have no raw rows (counting them one by one is what the rollup avoids), so a rebuild keeps
them. Readers who were erased took their history with them: a rebuild no longer counts them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import case, delete, func, literal_column, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from saas.audience.models import Subscriber, SubscriberEvent
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.insights import counting
from saas.insights.models import DailyGrowth, IssueDaily
from saas.publishing.models import Publication

_COUNTED_KINDS = ("confirmed", "released", "unsubscribed", "bounced")
_LEFT_KINDS = ("unsubscribed", "bounced")


def utc_day(column) -> ColumnElement:
    """The UTC calendar day of a timestamp column, in the session's dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(literal_column("'UTC'"), column))
    return func.date(column)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def growth_from_history(publication_id: int) -> dict[tuple[date, str], dict[str, int]]:
    """(day, source) -> metric -> count, from the publication's history lines."""
    day = utc_day(SubscriberEvent.created_at)
    waiting = case(
        (SubscriberEvent.detail.like(f"{counting.WAITING_PREFIX}%"), counting.WAITING_PREFIX),
        else_="",
    )
    rows = db.session.execute(
        select(
            day, SubscriberEvent.kind, waiting, Subscriber.source, Subscriber.status, func.count()
        )
        .join(Subscriber, Subscriber.id == SubscriberEvent.subscriber_id)
        .where(
            SubscriberEvent.publication_id == publication_id,
            SubscriberEvent.kind.in_(_COUNTED_KINDS),
        )
        .group_by(day, SubscriberEvent.kind, waiting, Subscriber.source, Subscriber.status)
    ).all()
    found: dict[tuple[date, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for when, kind, detail, source, status, count in rows:
        name = counting.metric(kind, detail, status)
        if name is not None:
            found[(_as_date(when), source)][name] += count
    for when, source, count in _imported_active(publication_id):
        found[(_as_date(when), source)][counting.JOINED] += count
    return found


def _imported_active(publication_id: int) -> list[tuple]:
    """(day, source, n) of imported readers who came in active: active now, or left later
    (an unsubscribe or bounce line), and never confirmed (a pending import joins then)."""
    imported, other = SubscriberEvent, aliased(SubscriberEvent)
    later = select(other.id).where(other.subscriber_id == imported.subscriber_id)
    day = utc_day(imported.created_at)
    return db.session.execute(
        select(day, Subscriber.source, func.count())
        .select_from(imported)
        .join(Subscriber, Subscriber.id == imported.subscriber_id)
        .where(
            imported.publication_id == publication_id,
            imported.kind == "imported",
            (Subscriber.status == "active") | later.where(other.kind.in_(_LEFT_KINDS)).exists(),
            ~later.where(other.kind == "confirmed").exists(),
        )
        .group_by(day, Subscriber.source)
    ).all()


def issue_unsubscribes(publication_id: int) -> dict[tuple[int, date], int]:
    """(issue id, day) -> readers who left through that issue's email."""
    day = utc_day(SubscriberEvent.created_at)
    rows = db.session.execute(
        select(SubscriberEvent.issue_id, day, func.count())
        .where(
            SubscriberEvent.publication_id == publication_id,
            SubscriberEvent.kind == "unsubscribed",
            SubscriberEvent.issue_id.is_not(None),
        )
        .group_by(SubscriberEvent.issue_id, day)
    ).all()
    return {(issue_id, _as_date(when)): count for issue_id, when, count in rows}


def rebuild_publication(publication_id: int) -> int:
    """Replace the publication's growth rows and issue unsubscribes; returns days counted."""
    with bound_to(publication_id):
        growth = growth_from_history(publication_id)
        unsubscribes = issue_unsubscribes(publication_id)
        db.session.execute(delete(DailyGrowth).where(DailyGrowth.publication_id == publication_id))
        db.session.execute(
            update(IssueDaily)
            .where(IssueDaily.publication_id == publication_id)
            .values(unsubscribed=0)
            .execution_options(synchronize_session=False)
        )
        for (day, source), counts in sorted(growth.items()):
            counting.add_growth(publication_id, day, source, counts)
        for (issue_id, day), count in sorted(unsubscribes.items()):
            counting.add_issue(publication_id, issue_id, day, unsubscribed=count)
        db.session.commit()
    return len({day for day, _source in growth})


def rebuild_all() -> int:
    """Rebuild every publication's rollups; returns how many publications."""
    ids = list(db.session.scalars(select(Publication.id).order_by(Publication.id)))
    db.session.rollback()
    for publication_id in ids:
        rebuild_publication(publication_id)
    return len(ids)
