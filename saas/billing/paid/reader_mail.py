"""Transactional mail to paying readers: welcome, a failed renewal, a sign-in link.

Each function renders its message now (saas.mail.compose) and queues it on the `mail` queue.
"""

from __future__ import annotations

from datetime import datetime

from saas.audience.models import Subscriber
from saas.billing.paid.reader_access import ACCESS_LINK_HOURS, access_url
from saas.core.links import absolute_public_url
from saas.mail.compose import compose
from saas.mail.mailer import queue_email
from saas.publishing.models import Publication


def _date(value: datetime | None) -> str:
    return f"{value:%-d %B %Y}" if value else "soon"


def _reader_mail(template: str, publication: Publication, subscriber: Subscriber, **extra) -> None:
    queue_email(
        compose(
            template,
            to=subscriber.email,
            to_name=subscriber.name,
            from_name=publication.author_name or publication.name,
            publication=publication,
            name=subscriber.name,
            **extra,
        )
    )


def paid_welcome(publication: Publication, subscriber: Subscriber, tier_name: str) -> None:
    """Thank a new paid reader, with a link that signs them in on the web."""
    _reader_mail(
        "paid_welcome",
        publication,
        subscriber,
        tier_name=tier_name,
        access_url=access_url(publication, subscriber.id, "archive"),
        account_url=absolute_public_url(publication, "public.billing.paid_account"),
    )


def paid_payment_failed(
    publication: Publication, subscriber: Subscriber, grace_until: datetime | None
) -> None:
    """Tell a paid reader their renewal failed; the link leads to their account page."""
    _reader_mail(
        "paid_payment_failed",
        publication,
        subscriber,
        grace_until=_date(grace_until),
        access_url=access_url(publication, subscriber.id),
    )


def paid_sign_in(publication: Publication, subscriber: Subscriber, next_page: str) -> None:
    """The sign-in link a paid reader asked for on the web."""
    _reader_mail(
        "paid_sign_in",
        publication,
        subscriber,
        hours=ACCESS_LINK_HOURS,
        access_url=access_url(publication, subscriber.id, next_page),
    )
