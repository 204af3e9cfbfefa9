"""Billing's answers to the hooks of lower features: plan limits, and erasing a paying reader.

Connected once at start-up by `saas.billing.init_app`. Publishing asks before a publication is
created, claims a custom domain or stores an image (the storage quota); audience asks as a
reader goes active or arrives by import, tells billing when a reader is erased (their payment
rows and waiting-list place go, stored Stripe events naming them are cut to ids, Stripe stops
charging) and asks for their part of a reader's data export (subscriptions, waiting list).
"""

from __future__ import annotations

from saas.audience import hooks as audience_hooks
from saas.billing import event_erasure
from saas.billing import limits as billing_limits
from saas.billing.paid import reader_erasure, reader_export
from saas.publishing import hooks as publishing_hooks


def _refuse_publication(owner_id: int, custom_domain: str | None = None) -> None:
    billing_limits.check_new_publication(owner_id, custom_domain)


def _refuse_custom_domain(publication, custom_domain: str | None = None) -> None:
    billing_limits.check_custom_domain(publication, custom_domain)


def _why_no_new_publication(user_id: int) -> str | None:
    return billing_limits.new_publication_refusal(user_id)


def _refuse_image(publication, new_bytes: int = 0) -> None:
    billing_limits.check_image_storage(publication, new_bytes)


def _image_storage_limit(publication) -> int | None:
    return billing_limits.image_storage_limit(publication)


def _hold_if_full(publication, subscriber) -> bool:
    return billing_limits.hold_if_full(publication, subscriber)


def _hold_imported(publication, subscriber_ids: list[int]) -> None:
    billing_limits.hold_over_limit(publication, subscriber_ids)


def _erase_reader(publication, subscriber) -> None:
    # The cancellation job is enqueued before anything commits: a queue that is down fails
    # the whole erasure (try again) rather than losing it.
    subscriptions = reader_erasure.subscriptions_of(publication, subscriber.id)
    reader_erasure.cancel_later(publication, subscriptions)
    stripe_ids = reader_erasure.stripe_ids_of(publication, subscriber.id)
    event_erasure.cut_events_naming([subscriber.email, *sorted(stripe_ids)])
    reader_erasure.forget_subscriptions(publication, subscriber.id)
    reader_erasure.forget_hold(publication, subscriber.id)


def _reader_data(publication, subscriber) -> dict:
    return reader_export.payment_data(publication, subscriber.id)


def connect() -> None:
    """Connect every receiver (idempotent: blinker keeps one connection per function)."""
    publishing_hooks.publication_creating.connect(_refuse_publication, weak=False)
    publishing_hooks.custom_domain_claiming.connect(_refuse_custom_domain, weak=False)
    publishing_hooks.new_publication_refusal.connect(_why_no_new_publication, weak=False)
    publishing_hooks.image_storing.connect(_refuse_image, weak=False)
    publishing_hooks.image_storage_limit.connect(_image_storage_limit, weak=False)
    audience_hooks.reader_joining.connect(_hold_if_full, weak=False)
    audience_hooks.readers_imported.connect(_hold_imported, weak=False)
    audience_hooks.reader_erasing.connect(_erase_reader, weak=False)
    audience_hooks.reader_data.connect(_reader_data, weak=False)
