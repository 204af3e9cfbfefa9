"""Acting on mail that came back to a delivery's VERP address: bounces and complaints.

`receive_bounce` is the door the inbound paths (saas.replies.inbound) open for mail to a
`bounce+` address. The signed token names the delivery (saas.delivery.verp); a token that
does not verify is dropped before anything is read. The message is classified
(saas.delivery.bounce_parsing) and then, bound to the delivery's publication:

- hard bounce: the delivery is marked bounced and the reader suppressed for this publication
  (status `bounced`) at once. A report about another address than the delivery's (mail
  forwarded on) counts as a soft bounce: that address is not the reader's;
- soft bounce: recorded; SOFT_BOUNCE_LIMIT of them within SOFT_BOUNCE_DAYS (since the reader
  was last made active) suppress the reader;
- complaint: the reader is unsubscribed at once (status `complained`), the address goes on
  the platform-wide suppression list, and the publication's complaint rate is checked;
- anything else (auto-replies, delay notices that say nothing) is dropped.

Each of these is recorded once per delivery and kind (a report sent twice changes nothing)
and written in the reader's history, with the reader's own address taken out of the
server's words, so erasing the reader leaves nothing of it behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import Message

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from saas.audience import hooks as audience_hooks
from saas.audience.models import ACTIVE, COMPLAINED, Subscriber
from saas.audience.models import BOUNCED as READER_BOUNCED
from saas.audience.subscribers import record_event
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to, cross_tenant
from saas.delivery import bounce_rates, suppression
from saas.delivery.bounce_models import COMPLAINT, HARD, SOFT, BounceEvent
from saas.delivery.bounce_parsing import NOT_BOUNCE, BounceReport, read_bounce
from saas.delivery.models import BOUNCED, SENT, Delivery, Send
from saas.publishing.models import Publication

MAX_BYTES = 2 * 1024 * 1024  # a returned message larger than this is not read
RECORDED = "recorded"
DUPLICATE = "duplicate"
DROPPED = "dropped"


@dataclass(frozen=True)
class BounceOutcome:
    """What became of one returned message; `reason` says why it was dropped."""

    outcome: str
    kind: str = ""
    reason: str = ""


def _dropped(reason: str) -> BounceOutcome:
    current_app.logger.info("returned mail dropped: %s", reason)
    return BounceOutcome(DROPPED, reason=reason)


def receive_bounce(message: Message, delivery_id: int) -> BounceOutcome:
    """Classify a message returned to the delivery's VERP address and act on it."""
    with cross_tenant():
        publication_id = db.session.scalar(
            select(Delivery.publication_id).where(Delivery.id == delivery_id)
        )
    if publication_id is None:
        return _dropped("unknown_delivery")
    try:
        report = read_bounce(message)
    except Exception:  # a message no reader of bounces understands is dropped, not a 500
        current_app.logger.warning("returned mail could not be read", exc_info=True)
        return _dropped("unreadable")
    if report.kind == NOT_BOUNCE:
        return _dropped("auto_reply" if report.detail.get("auto_reply") else "not_a_bounce")
    with bound_to(publication_id):
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is None or delivery.subscriber_id is None:
            return _dropped("reader_erased")
        kind = report.kind
        if kind == HARD and report.recipients and delivery.email not in report.recipients:
            kind = SOFT
        return _record(delivery, kind, report)


def _words(report: BounceReport, address: str) -> str:
    text = " ".join(part for part in (report.status, report.diagnostic) if part)
    return text.replace(address, "(the reader's address)")[:500]


def _record(delivery: Delivery, kind: str, report: BounceReport) -> BounceOutcome:
    event = BounceEvent(
        publication_id=delivery.publication_id,
        delivery_id=delivery.id,
        send_id=delivery.send_id,
        subscriber_id=delivery.subscriber_id,
        kind=kind,
        status=report.status[:16],
        detail=_words(report, delivery.email),
    )
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError:  # this delivery's report of this kind came before
        return BounceOutcome(DUPLICATE, kind)
    reader = db.session.get(Subscriber, delivery.subscriber_id)
    publication = db.session.get(Publication, delivery.publication_id)
    if kind == HARD:
        _hard(delivery, reader, event.detail)
    elif kind == SOFT:
        _soft(reader, event.detail)
    else:
        _complaint(publication, reader)
    db.session.commit()
    if kind == COMPLAINT:
        if reader.status == COMPLAINED:
            audience_hooks.reader_unsubscribed.send(publication, subscriber=reader)
        if bounce_rates.check_complaints(publication.id):
            db.session.commit()
    current_app.logger.info("returned mail: %s for delivery %s", kind, delivery.id)
    return BounceOutcome(RECORDED, kind)


def _suppress(reader: Subscriber, detail: str) -> None:
    if reader.status == ACTIVE:
        reader.status = READER_BOUNCED
        record_event(reader, "suppressed", detail)


def _hard(delivery: Delivery, reader: Subscriber, detail: str) -> None:
    if delivery.status == SENT:
        delivery.status = BOUNCED
        delivery.error = f"Bounced after delivery: {detail}"[:2000]
        send = db.session.get(Send, delivery.send_id)
        if send is not None and send.final_counts:  # a done send keeps its counts
            counts = dict(send.final_counts)
            counts[SENT] = max(0, counts.get(SENT, 0) - 1)
            counts[BOUNCED] = counts.get(BOUNCED, 0) + 1
            send.final_counts = counts
    record_event(reader, "hard_bounce", detail or "the address does not exist")
    _suppress(reader, "hard bounce: mail to this address cannot be delivered")


def _soft(reader: Subscriber, detail: str) -> None:
    record_event(reader, "soft_bounce", detail or "mail could not be delivered for now")
    config = current_app.config
    since = utcnow() - timedelta(days=config["SOFT_BOUNCE_DAYS"])
    if reader.activated_at is not None and reader.activated_at > since:
        since = reader.activated_at
    db.session.flush()
    count = db.session.scalar(
        select(func.count()).where(
            BounceEvent.subscriber_id == reader.id,
            BounceEvent.kind == SOFT,
            BounceEvent.created_at >= since,
        )
    )
    if count >= config["SOFT_BOUNCE_LIMIT"]:
        days = f"{config['SOFT_BOUNCE_DAYS']:g}"
        _suppress(reader, f"{count} soft bounces within {days} days")


def _complaint(publication: Publication, reader: Subscriber) -> None:
    record_event(reader, "complained", "marked an issue as spam (feedback-loop report)")
    if reader.status in (ACTIVE, READER_BOUNCED):
        reader.status = COMPLAINED
        reader.unsubscribed_at = utcnow()
        record_event(reader, "unsubscribed", "complaint")
    suppression.add(reader.email, suppression.COMPLAINT, f"complaint to {publication.slug}")
