"""Practitioner plans: the table from config, and which plan an account is on right now.

An account's plan is the best plan among its live Stripe subscriptions: active or trialing,
or past due / unpaid within BILLING_GRACE_DAYS of the first failed renewal (see
saas.billing.subscription_state). Anything else (cancelled, expired, grace over) is Free.
Each subscription row holds the state last read from Stripe, so the answer never depends on
the order webhooks arrived in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from saas.billing import subscription_state
from saas.billing.models import GRACE_STATUSES, PlanSubscription
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.publishing.models import ROLE_OWNER, Membership, Publication

FREE = "free"


@dataclass(frozen=True)
class Plan:
    """One row of the plan table; None limits mean unlimited."""

    key: str
    name: str
    rank: int
    prices: dict[str, str] = field(default_factory=dict)
    max_publications: int | None = None
    max_subscribers: int | None = None
    # Bytes of uploaded images each publication may keep.
    max_storage_bytes: int | None = None
    custom_domain: bool = True
    sending_domain: bool = True  # issues from the publication's own domain, DKIM-signed
    tend_branding: bool = False

    @property
    def purchasable(self) -> bool:
        """Whether the plan has a Stripe price to check out with."""
        return bool(self.prices)


@dataclass(frozen=True)
class Standing:
    """An account's plan now, and the subscription behind it (if any)."""

    plan: Plan
    subscription: PlanSubscription | None
    in_grace: bool = False
    grace_until: datetime | None = None

    @property
    def ends_at(self) -> datetime | None:
        """When a cancelled-at-period-end subscription stops."""
        sub = self.subscription
        return sub.current_period_end if sub and sub.cancel_at_period_end else None

    @property
    def live(self) -> bool:
        """Whether a Stripe subscription gives the plan (manage it in the portal)."""
        return self.plan.key != FREE and self.subscription is not None


def plans() -> tuple[Plan, ...]:
    """Every plan, cheapest first."""
    rows = current_app.config["BILLING_PLANS"]
    return tuple(Plan(rank=rank, **row) for rank, row in enumerate(rows))


def get_plan(key: str) -> Plan:
    """A plan by key (Free for an unknown key)."""
    table = plans()
    return next((plan for plan in table if plan.key == key), table[0])


def plan_for_price(price_id: str) -> Plan | None:
    """The plan a Stripe Price id buys, if it is one of Tend's."""
    return next((plan for plan in plans() if price_id and price_id in plan.prices.values()), None)


def standing(user_id: int) -> Standing:
    """The account's plan now: the best live subscription, else Free."""
    rows = db.session.scalars(
        select(PlanSubscription)
        .where(PlanSubscription.user_id == user_id)
        .order_by(PlanSubscription.stripe_created.desc(), PlanSubscription.id.desc())
    ).all()
    now = utcnow()
    live = [row for row in rows if subscription_state.gives_access(row, now)]
    # Newest first, so among equal plans the latest subscription wins (max keeps the first).
    best = max(live, key=lambda row: get_plan(row.plan).rank, default=None)
    if best is None:
        return Standing(get_plan(FREE), rows[0] if rows else None)
    in_grace = best.status in GRACE_STATUSES
    until = subscription_state.grace_ends(best) if in_grace else None
    return Standing(get_plan(best.plan), best, in_grace, until)


def owner_id(publication: Publication) -> int | None:
    """The publication's owner (the account whose plan applies to it)."""
    return db.session.scalar(
        select(Membership.user_id)
        .where(Membership.publication_id == publication.id, Membership.role == ROLE_OWNER)
        .order_by(Membership.id)
        .limit(1)
    )


def publication_standing(publication: Publication) -> Standing:
    """The plan standing of the publication's owner."""
    user_id = owner_id(publication)
    return standing(user_id) if user_id is not None else Standing(get_plan(FREE), None)


def owned_publication_ids(user_id: int) -> list[int]:
    """Publications the account owns (what the publication limit counts)."""
    return list(
        db.session.scalars(
            select(Membership.publication_id)
            .where(Membership.user_id == user_id, Membership.role == ROLE_OWNER)
            .order_by(Membership.publication_id)
        )
    )
