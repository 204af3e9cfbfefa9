"""A publication's booking link: where readers book a time, with a reference to their request.

The link is the practitioner's own page at Cal.com, Calendly or anywhere else. An answer to
a support request can carry it with the request's reference added where the provider hands
it back in its booking webhook: `metadata[tend_ref]` for Cal.com (payload.metadata), the
`utm_content` tracking parameter for Calendly (payload.tracking), `tend_ref` elsewhere. The
reference is the request's id and a keyed check (SECRET_KEY), so nobody can forge one for
another request, and it says nothing about the reader.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.core import outbound_http
from saas.core.extensions import db
from saas.core.links import external_url
from saas.publishing.models import Publication
from saas.support.models import SupportRequest
from saas.support.signals import Addition
from saas.webhooks import signing
from saas.webhooks.models import CALCOM, CALENDLY, PROVIDERS, BookingLink

REFERENCE_PARAMS = {CALCOM: "metadata[tend_ref]", CALENDLY: "utm_content"}
OTHER_PARAM = "tend_ref"
_REFERENCE = re.compile(r"^tend-(\d{1,12})-([0-9a-f]{16})$")


class InvalidLink(ValueError):
    """The booking address cannot be used; the message says why, for the practitioner."""


def get_link(publication: Publication) -> BookingLink | None:
    """The publication's booking link, if it set one."""
    return db.session.scalar(
        select(BookingLink).where(
            BookingLink.publication_id == publication.id, BookingLink.offering == ""
        )
    )


def save_link(publication: Publication, provider: str, url: str) -> BookingLink:
    """Set (or change) the booking link; a new one gets its webhook address and secret."""
    if provider not in PROVIDERS:
        raise InvalidLink("Choose where your booking page is.")
    try:
        outbound_http.parse_url(url)
    except outbound_http.Refused as exc:
        raise InvalidLink(str(exc)) from None
    link = get_link(publication)
    if link is None:
        link = BookingLink(
            publication_id=publication.id,
            offering="",
            inbound_token=secrets.token_urlsafe(24),
            signing_secret=signing.new_secret(),
        )
        db.session.add(link)
    link.provider = provider
    link.url = url.strip()
    try:
        db.session.commit()
    except IntegrityError:  # another owner set the first link at the same moment
        db.session.rollback()
        raise InvalidLink("The link was just set elsewhere: reload and try again.") from None
    return link


def new_signing_secret(publication: Publication, link: BookingLink) -> BookingLink:
    """Replace the secret bookings are signed with (the provider must be given the new one)."""
    link.signing_secret = signing.new_secret()
    db.session.commit()
    return link


def remove_link(publication: Publication, link: BookingLink) -> None:
    """Forget the booking link; its webhook address stops working."""
    db.session.delete(link)
    db.session.commit()


def inbound_url(link: BookingLink) -> str:
    """Where the provider posts bookings (the practitioner pastes it into its settings)."""
    return external_url("booking_hooks.receive_booking", token=link.inbound_token)


def _check(publication_id: int, request_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    message = f"tend.booking-reference:{publication_id}:{request_id}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def reference(publication_id: int, request_id: int) -> str:
    """The reference a booking link carries for one request."""
    return f"tend-{request_id}-{_check(publication_id, request_id)}"


def read_reference(publication_id: int, value: str | None) -> int | None:
    """The request id a reference names, if it is genuine and this publication's."""
    match = _REFERENCE.match((value or "").strip())
    if match is None:
        return None
    request_id = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _check(publication_id, request_id)):
        return None
    return request_id


def link_for(link: BookingLink, request: SupportRequest) -> str:
    """The booking address with the request's reference in it."""
    parts = urlsplit(link.url)
    name = REFERENCE_PARAMS.get(link.provider, OTHER_PARAM)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, reference(request.publication_id, request.id)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def answer_additions(publication: Publication, request: SupportRequest) -> list[Addition]:
    """Support's answer form offers the booking link, when the publication has one."""
    link = get_link(publication)
    if link is None:
        return []
    return [
        Addition(
            key="booking",
            label="Add my booking link",
            text=f"Book a time that suits you: {link_for(link, request)}",
        )
    ]
