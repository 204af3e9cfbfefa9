"""Webhooks' receivers of the lower features' signals: each committed change becomes an event.

Connected once at start-up by `saas.webhooks.init_app`. Every signal here is sent after the
change it tells of was committed, so a receiver that fails (the database away a moment)
logs and lets the reader's or practitioner's action stand; it never undoes it. Support's
answer form also asks for additions: the booking link, with the request's reference. Erasing
a reader or a support request deletes the deliveries about them (webhooks.erasure).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import current_app

from saas.audience import hooks as audience_hooks
from saas.core.extensions import db
from saas.delivery import hooks as delivery_hooks
from saas.publishing import hooks as publishing_hooks
from saas.publishing.models import Publication
from saas.replies import hooks as reply_hooks
from saas.support import signals as support_signals
from saas.support.form_settings import get_form
from saas.webhooks import booking_links, erasure, events, payloads


def _safely(event_type: str) -> Callable:
    """Record events for `event_type`; a failure is logged, never raised into the caller."""

    def wrap(receiver: Callable) -> Callable:
        @functools.wraps(receiver)
        def run(sender, **kwargs) -> None:
            try:
                receiver(sender, **kwargs)
            except Exception:
                db.session.rollback()
                current_app.logger.exception("webhook event %s was not recorded", event_type)

        return run

    return wrap


def _reader_event(event_type: str):
    @_safely(event_type)
    def receive(publication, subscriber) -> None:
        data = payloads.subscriber(subscriber)
        events.record(publication, event_type, data, f"subscriber:{subscriber.id}")

    return receive


_reader_created = _reader_event("subscriber.created")
_reader_confirmed = _reader_event("subscriber.confirmed")
_reader_unsubscribed = _reader_event("subscriber.unsubscribed")


@_safely("issue.published")
def _issue_published(publication, issue) -> None:
    data = payloads.issue(publication, issue)
    events.record(publication, "issue.published", data, f"issue:{issue.id}")


@_safely("send.finished")
def _send_finished(send) -> None:
    publication = db.session.get(Publication, send.publication_id)
    events.record(publication, "send.finished", payloads.send(send), f"send:{send.id}")


@_safely("reply.created")
def _reply_created(publication, reply) -> None:
    events.record(publication, "reply.created", payloads.reply(reply), f"reply:{reply.id}")


@_safely("support_request.created")
def _request_created(publication, request) -> None:
    confidential = get_form(publication).confidential_mode
    data = payloads.support_request(request, confidential)
    events.record(publication, "support_request.created", data, f"support_request:{request.id}")


@_safely("support_request.stage_changed")
def _stage_changed(publication, request, previous: str) -> None:
    confidential = get_form(publication).confidential_mode
    data = payloads.support_request(request, confidential, previous=previous)
    subject = f"support_request:{request.id}"
    events.record(publication, "support_request.stage_changed", data, subject)


def _booking_addition(publication, request) -> list[support_signals.Addition]:
    return booking_links.answer_additions(publication, request)


def connect() -> None:
    """Connect every receiver (idempotent: blinker keeps one connection per function)."""
    audience_hooks.reader_created.connect(_reader_created, weak=False)
    audience_hooks.reader_confirmed.connect(_reader_confirmed, weak=False)
    audience_hooks.reader_unsubscribed.connect(_reader_unsubscribed, weak=False)
    publishing_hooks.issue_published.connect(_issue_published, weak=False)
    delivery_hooks.send_finished.connect(_send_finished, weak=False)
    reply_hooks.reply_created.connect(_reply_created, weak=False)
    support_signals.request_created.connect(_request_created, weak=False)
    support_signals.stage_changed.connect(_stage_changed, weak=False)
    support_signals.answer_additions.connect(_booking_addition, weak=False)
    # Erasure runs inside the eraser's transaction: a failure there must undo it all.
    audience_hooks.reader_erasing.connect(erasure.forget_reader, weak=False)
    support_signals.requests_erasing.connect(erasure.forget_requests, weak=False)
