"""Readers joining and leaving a list: double opt-in, confirmation, unsubscribe, erasure."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select

from saas.audience import hooks
from saas.audience.models import (
    ACTIVE,
    BOUNCED,
    PENDING,
    SOURCE_FORM,
    SOURCE_MANUAL,
    UNSUBSCRIBED,
    Subscriber,
    SubscriberEvent,
)
from saas.audience.reader_links import unsubscribe_url
from saas.core import outbox, queue
from saas.core.extensions import db
from saas.core.links import absolute_public_url
from saas.core.model_base import utcnow
from saas.core.tokens import InvalidToken, make_token, read_token
from saas.mail.compose import compose
from saas.mail.mailer import queue_email
from saas.publishing.models import Publication

CONFIRM_PURPOSE = "subscribe-confirm"


class WrongPublication(InvalidToken):
    """A valid link, but for another publication's list."""


@dataclass(frozen=True)
class SubscribeOutcome:
    """What happened, for logs and tests; the reader always sees the same answer."""

    subscriber_id: int
    created: bool
    mailed_confirmation: bool


def record_event(
    subscriber: Subscriber, kind: str, detail: str = "", issue_id: int | None = None
) -> None:
    """Add a line to the reader's history (committed with the caller's transaction).

    Receivers of `hooks.history_recorded` (insights' rollups) add to it in the same
    transaction, so a count never outlives a change that was rolled back.
    """
    db.session.add(
        SubscriberEvent(
            publication_id=subscriber.publication_id,
            subscriber_id=subscriber.id,
            kind=kind,
            detail=detail[:2000],
            issue_id=issue_id,
        )
    )
    hooks.recorded(subscriber, kind, detail[:2000], issue_id)


def find_by_email(publication: Publication, email: str) -> Subscriber | None:
    """The publication's reader with this (normalised) address."""
    return db.session.scalar(
        select(Subscriber).where(
            Subscriber.publication_id == publication.id, Subscriber.email == email.lower()
        )
    )


def confirm_url(publication: Publication, subscriber: Subscriber) -> str:
    """Signed, expiring link that turns a pending reader active."""
    token = make_token(CONFIRM_PURPOSE, {"p": publication.id, "s": subscriber.id})
    return absolute_public_url(publication, "public.audience.confirm_subscription", token=token)


def send_confirmation(publication: Publication, subscriber: Subscriber) -> None:
    """Mail the double opt-in link to a pending reader."""
    days = current_app.config["SUBSCRIBE_CONFIRM_MAX_AGE"] // 86400
    queue_email(
        compose(
            "confirm_subscription",
            to=subscriber.email,
            to_name=subscriber.name,
            from_name=publication.author_name or publication.name,
            publication=publication,
            name=subscriber.name,
            confirm_url=confirm_url(publication, subscriber),
            days=days,
        )
    )


def subscribe(
    publication: Publication, email: str, name: str = "", source: str = SOURCE_FORM
) -> SubscribeOutcome:
    """Start (or restart) a double opt-in; never downgrades an active reader.

    A new address becomes pending and gets a confirmation link. A pending or unsubscribed
    reader gets a fresh link. An active reader is left exactly as they are.
    """
    email = email.lower()
    subscriber = find_by_email(publication, email)
    created = subscriber is None
    if created:
        subscriber = Subscriber(
            publication_id=publication.id,
            email=email,
            name=name.strip()[:120],
            status=PENDING,
            source=source,
            consent_note=f"Signed up through the {source} form; awaiting confirmation",
        )
        db.session.add(subscriber)
        db.session.flush()
        record_event(subscriber, "subscribed", f"via {source}")
    elif subscriber.status == ACTIVE:
        db.session.commit()
        return SubscribeOutcome(subscriber.id, False, False)
    else:
        if name and not subscriber.name:
            subscriber.name = name.strip()[:120]
        record_event(subscriber, "resubscribe_requested", f"via {source}")
    db.session.commit()
    if created:
        hooks.reader_created.send(publication, subscriber=subscriber)
    if subscriber.status in (PENDING, UNSUBSCRIBED):
        send_confirmation(publication, subscriber)
        return SubscribeOutcome(subscriber.id, created, True)
    # bounced / complained readers are not mailed again from a public form
    return SubscribeOutcome(subscriber.id, created, False)


def confirm(publication: Publication, token: str) -> Subscriber:
    """Activate the reader a confirmation link names and send the welcome email once."""
    payload = read_token(CONFIRM_PURPOSE, token, current_app.config["SUBSCRIBE_CONFIRM_MAX_AGE"])
    if not isinstance(payload, dict):
        raise InvalidToken("malformed")
    if payload.get("p") != publication.id:
        raise WrongPublication("not for this publication")
    subscriber = db.session.get(Subscriber, int(payload.get("s", 0)))
    if subscriber is None:
        raise InvalidToken("no such reader")
    if subscriber.status in (PENDING, UNSUBSCRIBED):
        if hooks.held_on_joining(publication, subscriber):
            # The plan is full: confirmed, and waiting for a place (never dropped).
            subscriber.unsubscribed_at = None
            subscriber.consent_note = f"Confirmed by email link on {utcnow():%Y-%m-%d}"
            record_event(subscriber, "confirmed", "waiting for a place on the list")
            db.session.commit()
            return subscriber
        subscriber.status = ACTIVE
        subscriber.confirmed_at = utcnow()
        subscriber.unsubscribed_at = None
        subscriber.consent_note = f"Confirmed by email link on {utcnow():%Y-%m-%d}"
        record_event(subscriber, "confirmed")
        db.session.commit()
        hooks.reader_confirmed.send(publication, subscriber=subscriber)
        send_welcome(publication, subscriber)
    return subscriber


def send_welcome(publication: Publication, subscriber: Subscriber) -> None:
    """The publication's welcome email, sent right after confirmation."""
    queue_email(
        compose(
            "welcome",
            to=subscriber.email,
            to_name=subscriber.name,
            from_name=publication.author_name or publication.name,
            publication=publication,
            name=subscriber.name,
            archive_url=absolute_public_url(publication, "public.publishing.archive"),
            unsubscribe_url=unsubscribe_url(publication, subscriber.id),
        )
    )


def unsubscribe(
    publication: Publication, subscriber_id: int, how: str, issue_id: int | None = None
) -> Subscriber | None:
    """Take a reader off the list at once; repeated calls change nothing.

    `issue_id` names the issue whose email carried the link used, so the issue's report
    can count the readers it lost.
    """
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.publication_id != publication.id:
        return None
    if subscriber.status != UNSUBSCRIBED:
        subscriber.status = UNSUBSCRIBED
        subscriber.unsubscribed_at = utcnow()
        record_event(subscriber, "unsubscribed", how, issue_id=issue_id)
        db.session.commit()
        hooks.reader_unsubscribed.send(publication, subscriber=subscriber)
    return subscriber


def unsuppress(publication: Publication, subscriber_id: int, who: str) -> Subscriber | None:
    """Put a reader suppressed for bouncing back on the list (the practitioner confirmed the
    address works); None unless the reader is suppressed for bouncing."""
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.status != BOUNCED:
        return None
    subscriber.status = ACTIVE
    subscriber.hard_bounces = 0
    record_event(subscriber, "unsuppressed", f"back on the list, confirmed by {who}")
    hooks.held_on_joining(publication, subscriber)
    db.session.commit()
    return subscriber


def add_manually(
    publication: Publication, email: str, name: str, ask_to_confirm: bool, note: str
) -> tuple[Subscriber, bool]:
    """A practitioner adds a reader; returns (reader, created)."""
    existing = find_by_email(publication, email)
    if existing is not None:
        return existing, False
    subscriber = Subscriber(
        publication_id=publication.id,
        email=email.lower(),
        name=name.strip()[:120],
        status=PENDING if ask_to_confirm else ACTIVE,
        source=SOURCE_MANUAL,
        confirmed_at=None if ask_to_confirm else utcnow(),
        consent_note=(note or "Added by the practitioner")[:300],
    )
    db.session.add(subscriber)
    db.session.flush()
    record_event(subscriber, "added", note or "added by hand")
    if not ask_to_confirm and not hooks.held_on_joining(publication, subscriber):
        # Active at once: the history says so, and the day's growth counts them.
        record_event(subscriber, "confirmed", "added as active by the practitioner")
    db.session.commit()
    hooks.reader_created.send(publication, subscriber=subscriber)
    if ask_to_confirm:
        send_confirmation(publication, subscriber)
    return subscriber, True


def erase(publication: Publication, subscriber: Subscriber) -> None:
    """Delete the reader and everything Tend holds about them (right to erasure).

    Other features remove what they hold in the same transaction (audience.hooks): delivery
    rows keep only the counts; support requests go with their timelines; replies become
    placeholders; a paying reader's subscription rows and waiting-list place go, stored
    Stripe events that name them are cut down to ids, and a job cancels each subscription
    at Stripe. That job is enqueued before anything commits, so a queue that is down fails
    the erase whole (try again) instead of losing the cancellation; Stripe being down only
    delays the job. Audience's own imports take them out of stored files and rejected rows
    (imports.erasure). Here: their history, and mail jobs that carry their address (mail to
    them or about them), parked while Redis was away or kept by RQ. Nothing is logged with
    the address.
    """
    address = subscriber.email
    hooks.erasing(publication, subscriber)
    outbox.forget_mentioning([address])
    db.session.execute(
        delete(SubscriberEvent).where(SubscriberEvent.subscriber_id == subscriber.id)
    )
    db.session.delete(subscriber)
    db.session.commit()
    queue.forget_mail_mentioning([address])


def personal_data(publication: Publication, subscriber: Subscriber) -> dict:
    """Everything Tend holds about one reader, for a data-access request."""
    events = db.session.scalars(
        select(SubscriberEvent)
        .where(SubscriberEvent.subscriber_id == subscriber.id)
        .order_by(SubscriberEvent.created_at)
    )
    return {
        "publication": publication.name,
        "email": subscriber.email,
        "name": subscriber.name,
        "status": subscriber.status,
        "source": subscriber.source,
        "consent": subscriber.consent_note,
        "imported": subscriber.imported,
        "subscribed_at": subscriber.created_at,
        "confirmed_at": subscriber.confirmed_at,
        "unsubscribed_at": subscriber.unsubscribed_at,
        "tags": [tag.name for tag in subscriber.tags],
        "history": [{"at": e.created_at, "event": e.kind, "detail": e.detail} for e in events],
        **hooks.data_sections(publication, subscriber),
    }
