"""Audience: readers on a publication's list and how they join, leave and sign in.

Models: Subscriber, SubscriberCount, Tag, SubscriberTag, SubscriberEvent, ReaderSignIn,
SubscriberImport (models). Services: subscribers (double opt-in, unsubscribe, erasure),
subscriber_queries and subscriber_search (keyset pages, search), status_counts (readers per
status, kept by the database; `flask recount-subscribers`), tags, reader_links and
reader_tokens (unsubscribe, view online and reply addresses), reader_auth and reader_session
(the signed-in reader, shared by replies and paid access); imports/ (CSV imports and
exports). Routes: the list, imports, exports and grow pages in the dashboard; subscribe,
confirm, unsubscribe, embeds and reader sign-in on the public pages.

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
    """Routes, `signed_in_reader(publication)` for templates, folding the status counts."""
    from saas.audience import (  # noqa: F401  (register routes)
        getting_started,
        grow_views,
        reader_signin_views,
        reader_views,
        subscriber_views,
    )
    from saas.audience.imports import erasure as import_erasure
    from saas.audience.imports import views  # noqa: F401  (register routes)
    from saas.audience.reader_session import current_reader
    from saas.audience.status_counts import fold_crowded
    from saas.core import periodic

    app.add_template_global(current_reader, "signed_in_reader")
    getting_started.connect()
    import_erasure.connect()
    periodic.register(app, "folding subscriber counts", fold_crowded, every=300.0)


def init_cli(app: Flask) -> None:
    """`flask recount-subscribers`."""
    from saas.audience import cli

    cli.init_app(app)
