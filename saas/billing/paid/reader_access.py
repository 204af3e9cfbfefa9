"""Links that let a paying reader read paid issues on the web: signed, expiring, per publication.

A link names the publication, the reader and where to go after signing in (an issue slug,
or the reader's account page). It carries no secret beyond its signature and only ever
grants reading access, so it may be used more than once within ACCESS_LINK_HOURS.
"""

from __future__ import annotations

from dataclasses import dataclass

from saas.core.links import absolute_public_url
from saas.core.tokens import InvalidToken, make_token, read_token
from saas.publishing.models import Publication


class WrongPublication(InvalidToken):
    """A genuine link, but for another publication's readers."""


PURPOSE = "paid-reader-access"
ACCESS_LINK_HOURS = 24
ACCOUNT = "account"


@dataclass(frozen=True)
class AccessLink:
    """Who a valid link signs in, and where it sends them."""

    subscriber_id: int
    next: str


def access_url(publication: Publication, subscriber_id: int, next_page: str = ACCOUNT) -> str:
    """Absolute sign-in link; `next_page` is an issue slug or ACCOUNT."""
    token = make_token(PURPOSE, {"p": publication.id, "s": subscriber_id, "n": next_page[:120]})
    return absolute_public_url(publication, "public.billing.paid_access", token=token)


def read_access_token(publication: Publication, token: str) -> AccessLink:
    """The link's reader; WrongPublication for another's link, InvalidToken if bad or old."""
    payload = read_token(PURPOSE, token, ACCESS_LINK_HOURS * 3600)
    if not isinstance(payload, dict):
        raise InvalidToken("malformed")
    if payload.get("p") != publication.id:
        raise WrongPublication("not for this publication")
    subscriber_id = payload.get("s")
    if not isinstance(subscriber_id, int):
        raise InvalidToken("malformed")
    return AccessLink(subscriber_id, str(payload.get("n") or ACCOUNT))
