"""Reading Cal.com's and Calendly's booking webhooks: is it genuine, and what was booked.

Cal.com signs the raw body: `X-Cal-Signature-256` is the hex HMAC-SHA256 of it, keyed with
the secret set on the webhook. Calendly signs a timestamp with it, the way Tend signs its
own deliveries: `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>">`, keyed with the subscription's signing key; a timestamp outside the
replay window is refused. Only new bookings matter here (Cal.com's BOOKING_CREATED and
BOOKING_RESCHEDULED, Calendly's invitee.created); everything else is acknowledged and left.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from saas.webhooks import signing
from saas.webhooks.models import CALCOM, CALENDLY

CALCOM_HEADER = "X-Cal-Signature-256"
CALENDLY_HEADER = "Calendly-Webhook-Signature"
CALCOM_BOOKINGS = {"BOOKING_CREATED", "BOOKING_RESCHEDULED"}
CALENDLY_BOOKINGS = {"invitee.created"}


@dataclass(frozen=True)
class Booking:
    """What Tend needs of a booking: its id, who booked, the reference, when it starts."""

    uid: str
    emails: tuple[str, ...]
    reference: str | None
    starts_at: datetime | None


class NotABooking(ValueError):
    """The document is not shaped like the provider's booking event."""


def genuine(provider: str, secret: str, headers, body: bytes) -> bool:
    """Whether the provider's signature header signs `body` with the link's secret."""
    if provider == CALCOM:
        given = (headers.get(CALCOM_HEADER) or "").strip().lower().removeprefix("sha256=")
        expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        return bool(given) and hmac.compare_digest(given, expected)
    if provider == CALENDLY:
        return signing.verify(secret, headers.get(CALENDLY_HEADER) or "", body)
    return False


def booking(provider: str, document: Any) -> Booking | None:
    """The booking a webhook reports, None for events that are not new bookings."""
    if not isinstance(document, dict):
        raise NotABooking("not a JSON object")
    if provider == CALCOM:
        return _calcom(document)
    return _calendly(document)


def _text(value: Any, limit: int = 254) -> str | None:
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else None


def _when(value: Any) -> datetime | None:
    text = _text(value, 40)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _section(document: dict, name: str) -> dict:
    section = document.get(name)
    if not isinstance(section, dict):
        raise NotABooking(f"no {name} object")
    return section


def _calcom(document: dict) -> Booking | None:
    if document.get("triggerEvent") not in CALCOM_BOOKINGS:
        return None
    payload = _section(document, "payload")
    uid = _text(payload.get("uid"), 200) or _text(str(payload.get("bookingId") or ""), 200)
    if uid is None:
        raise NotABooking("no booking uid")
    emails = []
    responses = payload.get("responses")
    if isinstance(responses, dict) and isinstance(responses.get("email"), dict):
        emails.append(_text(responses["email"].get("value")))
    attendees = payload.get("attendees")
    for attendee in attendees if isinstance(attendees, list) else []:
        if isinstance(attendee, dict):
            emails.append(_text(attendee.get("email")))
    metadata = payload.get("metadata")
    reference = _text(metadata.get("tend_ref"), 60) if isinstance(metadata, dict) else None
    return Booking(
        uid=uid,
        emails=tuple(dict.fromkeys(e for e in emails if e)),
        reference=reference,
        starts_at=_when(payload.get("startTime")),
    )


def _calendly(document: dict) -> Booking | None:
    if document.get("event") not in CALENDLY_BOOKINGS:
        return None
    payload = _section(document, "payload")
    uid = _text(payload.get("uri"), 200)
    if uid is None:
        raise NotABooking("no invitee uri")
    tracking = payload.get("tracking")
    reference = _text(tracking.get("utm_content"), 60) if isinstance(tracking, dict) else None
    scheduled = payload.get("scheduled_event")
    starts = scheduled.get("start_time") if isinstance(scheduled, dict) else None
    email = _text(payload.get("email"))
    return Booking(
        uid=uid,
        emails=(email,) if email else (),
        reference=reference,
        starts_at=_when(starts),
    )
