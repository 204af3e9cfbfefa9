"""Audience: readers on a publication's list and how they join, leave and sign in.

Models: Subscriber, SubscriberCount, Tag, Topic, SubscriberTag, SubscriberEvent, ReaderSignIn,
SubscriberImport (models). Services: subscribers (double opt-in, unsubscribe, erasure),
subscriber_queries and subscriber_search (keyset pages, search), status_counts (readers per
status, kept by the database; `flask recount-subscribers`), tags, topics (tags readers choose
themselves), reader_links and reader_tokens (unsubscribe, preferences, view online and reply
addresses), reader_auth and reader_session
(the signed-in reader, shared by replies and paid access); imports/ (CSV imports and
exports). Routes: the list, imports, exports and grow pages and Settings > Topics in the
dashboard; subscribe (with topic checkboxes), confirm, unsubscribe, the preference page, embeds
and reader sign-in on the public pages.

Hooks for higher features (hooks): a reader confirmed or imported (plan limits), a reader
erased (deliveries, payments, support requests), a reader's history and data export
(deliveries, replies, support requests, payments).
Connects to publishing's getting-started checklist (getting_started: share the subscribe link),
and imports/ to its own erasure and export hooks (an erased reader's rows in stored imports).

May import: saas.core, saas.mail, saas.accounts, saas.publishing.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes, the signed-in reader's state for public pages (reader_state), folding the
    status counts."""
    from saas.audience import (  # noqa: F401  (register routes, page holes)
        getting_started,
        grow_views,
        preference_views,
        reader_signin_views,
        reader_state,
        reader_views,
        subscriber_views,
        topic_views,
    )
    from saas.audience.imports import erasure as import_erasure
    from saas.audience.imports import views  # noqa: F401  (register routes)
    from saas.audience.models import Subscriber
    from saas.audience.status_counts import fold_crowded
    from saas.core import periodic
    from saas.core.content_versions import PAGES, READERS, watch

    getting_started.connect()
    import_erasure.connect()
    periodic.register(app, "folding subscriber counts", fold_crowded, every=300.0)
    # Erasing a reader takes their name and words out of the threads they wrote in.
    watch(Subscriber, [READERS], deleted_scopes=[PAGES, READERS])


def init_cli(app: Flask) -> None:
    """`flask recount-subscribers`."""
    from saas.audience import cli

    cli.init_app(app)
