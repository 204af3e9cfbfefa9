"""Telling a publication's owners that Tend switched one of their webhook endpoints off."""

from __future__ import annotations

from sqlalchemy import select

from saas.accounts.models import User
from saas.core.extensions import db
from saas.core.links import external_url
from saas.mail.compose import compose
from saas.mail.mailer import queue_email
from saas.publishing.models import ROLE_OWNER, Membership, Publication
from saas.webhooks.models import WebhookEndpoint


def owners(publication: Publication) -> list[User]:
    """The publication's owners, who manage its webhooks."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.publication_id == publication.id, Membership.role == ROLE_OWNER)
            .order_by(User.id)
        )
    )


def endpoint_switched_off(publication: Publication, endpoint: WebhookEndpoint) -> int:
    """Mail every owner why the endpoint is off and where to turn it back on; returns how many."""
    page = external_url(
        "dashboard.webhooks.endpoint", pub_slug=publication.slug, endpoint_id=endpoint.id
    )
    people = owners(publication)
    for owner in people:
        queue_email(
            compose(
                "webhook_switched_off",
                to=owner.email,
                to_name=owner.name,
                publication=publication,
                name=owner.name,
                endpoint=endpoint,
                page=page,
            )
        )
    return len(people)
