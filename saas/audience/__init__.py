"""Audience: readers on a publication's list and how they join, leave and sign in.

Models: Subscriber, Tag, SubscriberTag, SubscriberEvent, ReaderSignIn, SubscriberImport
(models). Services: subscribers (double opt-in, unsubscribe, erasure), subscriber_queries,
tags, reader_links and reader_tokens (unsubscribe, view online and reply addresses),
reader_auth and reader_session (the signed-in reader, shared by replies and paid access);
imports/ (CSV imports and exports). Routes: the list, imports, exports and grow pages in the
dashboard; subscribe, confirm, unsubscribe, embeds and reader sign-in on the public pages.

Hooks for higher features (hooks): a reader confirmed or imported (plan limits), a reader
erased (deliveries, payments), a reader's history and data export (deliveries, replies).
Connects to publishing's getting-started checklist (getting_started: share the subscribe link).

May import: saas.core, saas.mail, saas.accounts, saas.publishing.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes, and the signed-in reader's state for public pages (reader_state)."""
    from saas.audience import (  # noqa: F401  (register routes, page holes)
        getting_started,
        grow_views,
        reader_signin_views,
        reader_state,
        reader_views,
        subscriber_views,
    )
    from saas.audience.imports import views  # noqa: F401  (register routes)
    from saas.audience.models import Subscriber
    from saas.core.content_versions import PAGES, READERS, watch

    getting_started.connect()
    # Erasing a reader takes their name and words out of the threads they wrote in.
    watch(Subscriber, [READERS], deleted_scopes=[PAGES, READERS])
