"""Delivery: sending an issue to the list, with one Delivery record per reader.

Models: Send, SavedSegment, Delivery, SendingDomain, DkimKey (models); BounceEvent,
SendingHold, PlatformSuppression (bounce_models). Services: sending (start, schedule, pause,
watch), batches (fan-out and batch jobs), upkeep (stale claims, missing batches), batch_sql
(the per-message statements), throttle (a publication's send rate across workers), deferrals
(temporary refusals tried again for hours, then failed; sending failed deliveries again),
sending_domains (a publication's own From domain, its DKIM keys and their rotation, the daily
re-check), domain_checks (its DNS records in plain words), domain_notices (telling the owner it
paused or resumed), inbox_requirements (the Gmail/Yahoo checklist), verp (each delivery's
signed return path), bounce_parsing (hard, soft, complaint or none: RFC 3464, ARF,
flufl.bounce), bounces (acting on what came back: suppress, unsubscribe), bounce_rates (per
send and publication; the complaint thresholds), sending_holds (sends paused for complaints
until an operator lifts it), suppression (the platform-wide list). Routes: test sends, send
now or schedule to a segment (segments, segment_views: the picker and its live count;
saved_segments, saved_segment_views: segments kept by name), pause and resume, retry failed,
live progress in the dashboard; Settings > Sending.

Sending domains live here rather than in publishing (next to custom domains) because they
decide how mail goes out: the plan rule (billing, a lower layer) is asked directly, and the
batches that sign with the domain's key are in this package.

Reacts to a reader's erasure (audience hook): their delivery rows keep only counts.

May import: saas.core, saas.mail, saas.accounts, saas.publishing, saas.audience, saas.billing.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes, hooks and starting scheduled sends."""
    from saas.core import periodic
    from saas.delivery import (  # noqa: F401  (routes)
        hooks,
        saved_segment_views,
        segment_views,
        send_views,
        sending_settings_views,
    )
    from saas.delivery.deferrals import retry_due
    from saas.delivery.sending import start_due_sends
    from saas.delivery.sending_domains import recheck_all

    hooks.connect()
    periodic.register(app, "starting scheduled sends", start_due_sends)
    periodic.register(app, "retrying deferred deliveries", retry_due)
    periodic.register(app, "re-checking sending domains", recheck_all, periodic.DAILY)


def init_cli(app: Flask) -> None:
    """`flask publish-due`."""
    from saas.delivery import cli

    cli.init_app(app)
