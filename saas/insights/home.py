"""The dashboard home's numbers besides growth: what needs attention, paid readers, the
latest issue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from saas.audience import status_counts
from saas.billing.models import PaidTier, ReaderSubscription
from saas.core.extensions import db
from saas.delivery.models import DOMAIN_PAUSED, FAILED, SEND_PAUSED, Delivery, Send, SendingDomain
from saas.publishing import issues as issue_service
from saas.publishing.models import Publication
from saas.replies import queries as reply_queries
from saas.replies.models import PENDING as HELD
from saas.replies.models import Reply
from saas.support import pipeline as support_pipeline

PAYING = ("active", "trialing", "past_due")


@dataclass(frozen=True)
class Attention:
    """Counts of what waits for the practitioner (each links to where it is handled)."""

    unread_replies: int
    held_replies: int
    new_requests: int
    failing_sends: int
    domain_problem: str | None

    @property
    def anything(self) -> bool:
        return bool(
            self.unread_replies
            or self.held_replies
            or self.new_requests
            or self.failing_sends
            or self.domain_problem
        )


@dataclass(frozen=True)
class Paid:
    """Readers paying now and what they bring in a month (minor units of `currency`)."""

    readers: int
    monthly_revenue: int
    currency: str


def attention(publication: Publication) -> Attention:
    """What needs the practitioner now."""
    held = db.session.scalar(
        select(func.count())
        .select_from(Reply)
        .where(Reply.status == HELD, Reply.deleted_at.is_(None), Reply.is_author.is_(False))
    )
    failing = db.session.scalar(
        select(func.count(func.distinct(Send.id)))
        .select_from(Send)
        .outerjoin(Delivery, (Delivery.send_id == Send.id) & (Delivery.status == FAILED))
        .where((Send.status == SEND_PAUSED) | (Delivery.id.is_not(None)))
        .where(Send.finished_at.is_(None))
    )
    domain = db.session.scalar(select(SendingDomain).limit(1))
    problem = None
    if domain is not None and domain.status == DOMAIN_PAUSED:
        problem = f"{domain.domain}: its DKIM record no longer checks out; sends use Tend's address"
    return Attention(
        unread_replies=reply_queries.unread_count(publication),
        held_replies=int(held or 0),
        new_requests=support_pipeline.new_count(publication),
        failing_sends=int(failing or 0),
        domain_problem=problem,
    )


def paid(publication: Publication) -> Paid | None:
    """Paid readers and monthly revenue, or None when the publication offers no paid tier."""
    tiers = {t.id: t for t in db.session.scalars(select(PaidTier))}
    if not tiers:
        return None
    rows = db.session.execute(
        select(ReaderSubscription.tier_id, ReaderSubscription.interval, func.count())
        .where(ReaderSubscription.status.in_(PAYING))
        .group_by(ReaderSubscription.tier_id, ReaderSubscription.interval)
    ).all()
    readers = revenue = 0
    for tier_id, interval, count in rows:
        readers += count
        tier = tiers.get(tier_id)
        if tier is not None:
            per_month = tier.monthly_amount if interval == "month" else tier.yearly_amount / 12
            revenue += round(per_month * count)
    currency = next(iter(tiers.values())).currency
    return Paid(readers=readers, monthly_revenue=int(revenue), currency=currency)


def subscribers_now(publication: Publication) -> int:
    """Active readers (from audience's running counts, not a count of readers)."""
    return status_counts.active_count(publication)


def latest_issue(publication: Publication):
    """The newest published issue, or None."""
    found = issue_service.latest_published(publication, 1)
    return found[0] if found else None
