"""A booking arriving from Cal.com or Calendly: find the support request, move it to booked.

The request is found by the reference its booking link carried, else by the address the
reader booked with (decrypted to compare, as support's own lookups do): their newest request
not marked spam. Each booking is handled once (providers retry); one that matches no request
is kept as a receipt and changes nothing. Logs carry ids and outcomes, never an address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.core.extensions import db
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing.models import Publication
from saas.support import pipeline, queries
from saas.support.models import SPAM, SupportRequest
from saas.webhooks import booking_inbound, booking_links
from saas.webhooks.booking_inbound import Booking
from saas.webhooks.models import PROVIDERS, BookingLink, BookingReceipt

MAX_BODY = 256 * 1024


class Rejected(Exception):
    """The delivery is not accepted; `status` is the 4xx to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Received:
    """What became of a genuine delivery."""

    outcome: str  # "booked", "unmatched", "duplicate" or "ignored"
    request_id: int | None = None


def _owner_of(token: str) -> int | None:
    """The publication whose booking link has this inbound token (tokens are unique)."""
    with cross_tenant():
        return db.session.scalar(
            select(BookingLink.publication_id).where(BookingLink.inbound_token == token)
        )


def receive(token: str, headers, body: bytes) -> Received:
    """Check and apply one provider delivery; Rejected (4xx) when it is not acceptable."""
    publication_id = _owner_of(token) if token else None
    if publication_id is None:
        raise Rejected(404, "unknown booking webhook address")
    if len(body) > MAX_BODY:
        raise Rejected(413, "too large")
    with bound_to(publication_id):
        link = db.session.scalar(select(BookingLink).where(BookingLink.inbound_token == token))
        if not booking_inbound.genuine(link.provider, link.signing_secret, headers, body):
            raise Rejected(401, "signature missing, wrong or stale")
        try:
            document = json.loads(body)
            found = booking_inbound.booking(link.provider, document)
        except (ValueError, RecursionError, booking_inbound.NotABooking):
            raise Rejected(400, "not a booking event this address understands") from None
        if found is None:
            return Received("ignored")
        return _apply(db.session.get(Publication, publication_id), link, found)


def _apply(publication: Publication, link: BookingLink, booking: Booking) -> Received:
    seen = db.session.scalar(
        select(BookingReceipt.id).where(
            BookingReceipt.provider == link.provider, BookingReceipt.booking_uid == booking.uid
        )
    )
    if seen is not None:
        return Received("duplicate")
    request, matched_by = match(publication, booking)
    db.session.add(
        BookingReceipt(
            publication_id=publication.id,
            provider=link.provider,
            booking_uid=booking.uid,
            request_id=request.id if request else None,
            matched_by=matched_by,
        )
    )
    try:
        db.session.flush()
        if request is None:
            db.session.commit()
        else:
            pipeline.record_booking(publication, request, _detail(publication, link, booking))
    except IntegrityError:  # the same booking, delivered twice at once
        db.session.rollback()
        return Received("duplicate")
    current_app.logger.info(
        "booking from %s for publication %s: %s",
        link.provider,
        publication.id,
        f"request {request.id} by {matched_by}" if request else "no request matched",
    )
    return Received("booked" if request else "unmatched", request.id if request else None)


def match(publication: Publication, booking: Booking) -> tuple[SupportRequest | None, str]:
    """The request a booking is for, and how it was found ("reference" or "email")."""
    request_id = booking_links.read_reference(publication.id, booking.reference)
    if request_id is not None:
        request = pipeline.get_request(publication, request_id)
        if request is not None:
            return request, "reference"
    for address in booking.emails:
        candidates = [r for r in queries.from_address(publication, address) if r.stage != SPAM]
        if candidates:
            return candidates[-1], "email"
    return None, ""


def _detail(publication: Publication, link: BookingLink, booking: Booking) -> str:
    detail = f"Booked through {PROVIDERS[link.provider]}"
    if booking.starts_at is not None:
        local = booking.starts_at.astimezone(ZoneInfo(publication.timezone))
        detail += f" for {local:%-d %b %Y, %H:%M}"
    return detail
