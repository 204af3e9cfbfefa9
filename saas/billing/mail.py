"""Transactional mail about the practitioner's plan: a failed renewal, the waiting list.

Each function renders its message now (saas.mail.compose) and queues it on the `mail` queue.
"""

from __future__ import annotations

from datetime import datetime

from saas.accounts.models import User
from saas.billing.plans import Plan, Standing
from saas.core.extensions import db
from saas.core.links import external_url
from saas.mail.compose import compose
from saas.mail.mailer import queue_email
from saas.publishing.models import Publication


def _date(value: datetime | None) -> str:
    return f"{value:%-d %B %Y}" if value else "soon"


def plan_payment_failed(user_id: int, standing: Standing) -> None:
    """Tell a practitioner their renewal failed and how long the plan holds."""
    user = db.session.get(User, user_id)
    if user is None:
        return
    queue_email(
        compose(
            "plan_payment_failed",
            to=user.email,
            to_name=user.name,
            name=user.name,
            plan_name=standing.plan.name,
            grace_until=_date(standing.grace_until),
            plan_url=external_url("billing.plan"),
        )
    )


def plan_waiting_list(publication: Publication, owner_id: int | None, plan: Plan) -> None:
    """Tell the owner the first reader is waiting for a place on a full plan."""
    user = db.session.get(User, owner_id) if owner_id else None
    if user is None:
        return
    queue_email(
        compose(
            "plan_waiting_list",
            to=user.email,
            to_name=user.name,
            name=user.name,
            publication=publication,
            plan_name=plan.name,
            limit=plan.max_subscribers or 0,
            plan_url=external_url("billing.plan"),
        )
    )
