"""Plan limits where they bite: publications, custom and sending domains, readers, image
storage; and the waiting list.

Limits apply only with billing on (STRIPE_SECRET_KEY set): an instance that cannot take
payments offers no way to upgrade, so it imposes no plan. A reader who would go past the
subscriber limit is never dropped: they stay pending with a SubscriberHold and become active,
oldest first, as soon as the plan has room (an upgrade, or `release_holds`).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import delete, func, select, update

from saas.audience import status_counts
from saas.audience.models import (
    ACTIVE,
    PENDING,
    SOURCE_EMBED,
    SOURCE_FORM,
    Subscriber,
    SubscriberEvent,
)
from saas.billing import mail as billing_mail
from saas.billing import plans as billing_plans
from saas.billing import stripe_api
from saas.billing.models import SubscriberHold
from saas.billing.plans import Plan
from saas.core.extensions import db
from saas.core.images import size_label
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.publishing.hooks import Refused
from saas.publishing.images.uploads import storage_used
from saas.publishing.models import Publication


class PlanLimitReached(Refused):
    """The account's plan does not allow this; the message says so, for the practitioner."""

    def __init__(self, message: str, plan: Plan) -> None:
        super().__init__(message)
        self.plan = plan


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _next_plan(plan: Plan) -> Plan | None:
    return next((p for p in billing_plans.plans() if p.rank > plan.rank and p.purchasable), None)


def _upgrade_hint(plan: Plan) -> str:
    better = _next_plan(plan)
    return f" Upgrade to {better.name} to lift it." if better else ""


def check_new_publication(user_id: int, custom_domain: str | None = None) -> None:
    """Refuse a new publication (or its custom domain) beyond the account's plan."""
    if not stripe_api.enabled():
        return
    plan = billing_plans.standing(user_id).plan
    owned = len(billing_plans.owned_publication_ids(user_id))
    if plan.max_publications is not None and owned >= plan.max_publications:
        raise PlanLimitReached(
            f"Your {plan.name} plan includes {_count(plan.max_publications, 'publication')}."
            + _upgrade_hint(plan),
            plan,
        )
    _check_domain(plan, custom_domain)


def new_publication_refusal(user_id: int) -> str | None:
    """Why the account may not create another publication now, or None if it may."""
    try:
        check_new_publication(user_id)
    except PlanLimitReached as exc:
        return str(exc)
    return None


def _check_domain(plan: Plan, domain: str | None) -> None:
    if domain and not plan.custom_domain:
        raise PlanLimitReached(
            f"Custom domains are not part of the {plan.name} plan." + _upgrade_hint(plan), plan
        )


def check_custom_domain(publication: Publication, domain: str | None) -> None:
    """Refuse a new custom domain on a plan without them (a domain already set may stay)."""
    if not stripe_api.enabled() or not domain or domain == publication.custom_domain:
        return
    _check_domain(billing_plans.publication_standing(publication).plan, domain)


def serves_custom_domain(publication: Publication) -> bool:
    """Whether the publication's custom domain is served now (always, with billing off).

    A domain set on a plan that included it stays stored after a downgrade, unserved (its
    visitors are sent to the platform address), and serves again after an upgrade.
    """
    if not stripe_api.enabled() or not publication.custom_domain:
        return True
    return billing_plans.publication_standing(publication).plan.custom_domain


def platform_address(publication: Publication) -> str:
    """The publication's public home on the platform itself (never its custom domain)."""
    return f"{current_app.config['BASE_URL']}/p/{publication.slug}/"


def custom_domain_refusal(publication: Publication) -> str | None:
    """Why the publication's custom domain is not served now, or None when it is."""
    if serves_custom_domain(publication):
        return None
    plan = billing_plans.publication_standing(publication).plan
    better = _next_plan(plan)
    return (
        f"{publication.custom_domain} is not being served: custom domains are not part of the "
        f"{plan.name} plan, so its visitors are sent to {platform_address(publication)}."
        + (f" Upgrade to {better.name} to serve it again." if better else "")
    )


def sending_domain_refusal(publication: Publication) -> str | None:
    """Why the publication may not send from its own domain now, or None when it may.

    Free sends as the platform. A domain set up on a plan that included it stays, unused,
    after a downgrade (issues go out from the platform's address) and is used again after an
    upgrade.
    """
    if not stripe_api.enabled():
        return None
    plan = billing_plans.publication_standing(publication).plan
    if plan.sending_domain:
        return None
    return (
        f"Sending from your own domain is not part of the {plan.name} plan, so issues go out "
        "from Tend's address." + _upgrade_hint(plan)
    )


def check_sending_domain(publication: Publication) -> None:
    """Refuse setting up a sending domain on a plan without them."""
    refusal = sending_domain_refusal(publication)
    if refusal is not None:
        raise PlanLimitReached(refusal, billing_plans.publication_standing(publication).plan)


def shows_tend_branding(publication: Publication) -> bool:
    """Whether public pages carry "Published with Tend" (always, with billing off)."""
    if not stripe_api.enabled():
        return True
    return billing_plans.publication_standing(publication).plan.tend_branding


def image_storage_limit(publication: Publication) -> int | None:
    """Bytes of images the publication's plan lets it keep; None without a limit."""
    if not stripe_api.enabled():
        return None
    return billing_plans.publication_standing(publication).plan.max_storage_bytes


def check_image_storage(publication: Publication, new_bytes: int) -> None:
    """Refuse an image that would take the publication past its plan's storage quota."""
    limit = image_storage_limit(publication)
    if limit is None:
        return
    used = storage_used(publication)
    if used + new_bytes > limit:
        plan = billing_plans.publication_standing(publication).plan
        raise PlanLimitReached(
            f"Your {plan.name} plan keeps {size_label(limit)} of images per publication and "
            f"{size_label(used)} is in use; this image needs {size_label(new_bytes)} more. "
            "Nothing was uploaded. Delete images you no longer use." + _upgrade_hint(plan),
            plan,
        )


def _active_count(publication: Publication, excluding: int | None = None) -> int:
    """Active readers (the database's running count: no million-row COUNT per confirmation),
    leaving out `excluding` when that reader is active already (added as active)."""
    count = status_counts.active_count(publication)
    if excluding is not None:
        status = db.session.scalar(select(Subscriber.status).where(Subscriber.id == excluding))
        count -= status == ACTIVE
    return count


def _subscriber_limit(publication: Publication) -> tuple[Plan, int | None]:
    plan = billing_plans.publication_standing(publication).plan
    return plan, plan.max_subscribers if stripe_api.enabled() else None


def reader_room(publication: Publication) -> int | None:
    """How many more readers may become active; None when the plan has no limit."""
    _, limit = _subscriber_limit(publication)
    return None if limit is None else max(0, limit - _active_count(publication))


def _lock_publication(publication: Publication) -> None:
    # Two confirmations racing for the last place: the second waits and sees the first.
    db.session.execute(
        select(Publication.id).where(Publication.id == publication.id).with_for_update()
    )


def _is_held(subscriber_id: int) -> bool:
    held = select(SubscriberHold.id).where(SubscriberHold.subscriber_id == subscriber_id)
    return db.session.scalar(held) is not None


def hold_if_full(publication: Publication, subscriber: Subscriber) -> bool:
    """As a reader turns active: keep them pending on the waiting list if the plan is full.

    Returns True when the reader waits; a waiting reader is let through once there is room.
    The caller commits.
    """
    if not stripe_api.enabled():
        return False
    _lock_publication(publication)
    plan, limit = _subscriber_limit(publication)
    full = limit is not None and _active_count(publication, excluding=subscriber.id) >= limit
    held = _is_held(subscriber.id)
    if not full:
        if held:
            db.session.execute(
                delete(SubscriberHold).where(SubscriberHold.subscriber_id == subscriber.id)
            )
        return False
    if not held:
        _add_holds(publication, plan, [subscriber.id])
    subscriber.status, subscriber.confirmed_at = PENDING, None
    return True


def hold_over_limit(publication: Publication, new_ids: Iterable[int]) -> int:
    """After inserting readers as active (imports): move those past the limit to the list.

    The last of `new_ids` wait; returns how many. The caller commits.
    """
    new_ids = sorted(new_ids)
    if not new_ids or not stripe_api.enabled():
        return 0
    _lock_publication(publication)
    plan, limit = _subscriber_limit(publication)
    over = 0 if limit is None else _active_count(publication) - limit
    if over <= 0:
        return 0
    waiting = db.session.scalars(
        select(Subscriber.id)
        .where(Subscriber.id.in_(new_ids), Subscriber.status == ACTIVE)
        .order_by(Subscriber.id.desc())
        .limit(over)
    ).all()
    if waiting:
        db.session.execute(
            update(Subscriber)
            .where(Subscriber.id.in_(waiting))
            .values(status=PENDING, confirmed_at=None)
            .execution_options(synchronize_session=False)
        )
        _add_holds(publication, plan, sorted(waiting))
    return len(waiting)


def _add_holds(publication: Publication, plan: Plan, subscriber_ids: list[int]) -> None:
    if held_count(publication) == 0:
        # The first reader to wait: tell the owner once, not once per reader.
        billing_mail.plan_waiting_list(publication, billing_plans.owner_id(publication), plan)
    limit = _count(plan.max_subscribers or 0, "active reader")
    for subscriber_id in subscriber_ids:
        db.session.add(SubscriberHold(publication_id=publication.id, subscriber_id=subscriber_id))
        db.session.add(
            SubscriberEvent(
                publication_id=publication.id,
                subscriber_id=subscriber_id,
                kind="held",
                detail=f"On the waiting list: the {plan.name} plan allows {limit}.",
            )
        )


def held_count(publication: Publication) -> int:
    """Readers on the waiting list."""
    return db.session.scalar(select(func.count()).select_from(SubscriberHold))


def release_holds(publication: Publication) -> int:
    """Activate waiting readers, oldest first, while the plan has room; returns how many."""
    from saas.audience.subscribers import send_welcome

    _lock_publication(publication)
    room = reader_room(publication)
    query = select(SubscriberHold).order_by(SubscriberHold.created_at, SubscriberHold.id)
    if room is not None:
        query = query.limit(room)
    holds = db.session.scalars(query).all()
    welcome: list[Subscriber] = []
    for hold in holds:
        subscriber = db.session.get(Subscriber, hold.subscriber_id)
        if subscriber.status == PENDING:
            subscriber.status, subscriber.confirmed_at = ACTIVE, utcnow()
            db.session.add(
                SubscriberEvent(
                    publication_id=publication.id,
                    subscriber_id=subscriber.id,
                    kind="released",
                    detail="A place opened on the plan: now active.",
                )
            )
            if subscriber.source in (SOURCE_FORM, SOURCE_EMBED):
                welcome.append(subscriber)
        db.session.delete(hold)
    db.session.commit()
    for subscriber in welcome:
        send_welcome(publication, subscriber)
    return len(holds)


def release_for_account(user_id: int) -> int:
    """After a plan change: release waiting readers in each publication the account owns."""
    released = 0
    for publication_id in billing_plans.owned_publication_ids(user_id):
        publication = db.session.get(Publication, publication_id)
        with bound_to(publication_id):
            released += release_holds(publication)
    return released
