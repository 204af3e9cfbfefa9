"""What an issue's closing block shows, with each offering's address, for the page and the email.

Both get the mail layer's `Offers` (a heading, an introduction, the offers): the page with
addresses as the page links them, the email with absolute ones.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from saas.core.links import absolute_public_url
from saas.core.urls import public_url
from saas.mail.newsletter import Offer, Offers
from saas.publishing.models import Issue, Publication
from saas.publishing.offerings import catalogue
from saas.publishing.offerings.models import TARGET_LINK, Offering

SUPPORT_ENDPOINT = "public.support.support"


def _support_values(issue: Issue | None, offering: Offering) -> dict:
    values: dict = {"offering": offering.id}
    if issue is not None and issue.number:
        values["from"] = issue.number
    return values


def _href(publication: Publication, issue: Issue | None, offering: Offering, absolute: bool):
    if offering.target == TARGET_LINK:
        return offering.url
    values = _support_values(issue, offering)
    if absolute:
        return absolute_public_url(publication, SUPPORT_ENDPOINT, **values)
    return public_url(SUPPORT_ENDPOINT, pub_slug=publication.slug, **values)


def _block(publication: Publication, issue: Issue | None, absolute: bool) -> Offers | None:
    if issue is not None and not issue.show_offerings:
        return None
    offerings = catalogue.list_offerings(publication)
    if not offerings:
        return None
    return Offers(
        heading=catalogue.heading_of(publication),
        intro=publication.offerings_intro,
        items=tuple(
            Offer(
                offering.title,
                offering.description,
                offering.button_label,
                _href(publication, issue, offering, absolute),
            )
            for offering in offerings
        ),
    )


def count_column(issue_entity: Any):
    """How many offerings the issue's publication lists, as a subquery of the page's query."""
    return (
        select(func.count(Offering.id))
        .where(Offering.publication_id == issue_entity.publication_id)
        .scalar_subquery()
    )


def issue_offerings(
    publication: Publication, issue: Issue | None = None, extras: dict | None = None
) -> Offers | None:
    """The block for a page (None: the issue hides it, or nothing is offered yet).

    `extras` is what the issue page's one query brought along (see `count_column`).
    """
    if extras is not None and extras.get("offerings_count") == 0:
        return None
    return _block(publication, issue, absolute=False)


def email_offers(publication: Publication, issue: Issue) -> Offers | None:
    """The same block for the issue's email, every address absolute."""
    return _block(publication, issue, absolute=True)
