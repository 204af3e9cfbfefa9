"""Webhooks: a publication's events posted, signed, to addresses its owner chose; bookings in.

Outbound: models (WebhookEndpoint, WebhookDelivery), events (the event types, the body,
recording an event as one delivery per listening endpoint), payloads (each event's data;
support requests in confidential mode carry ids and stages only), signing (the
Tend-Signature header), attempts (one RQ job per try through saas.core.outbound_http, retries
on WEBHOOK_RETRY_SCHEDULE, switching a failing endpoint off), notices (telling its owners),
endpoints (managing them), hooks (receivers of the lower features' signals), erasure
(deliveries about an erased reader or request, and logs past WEBHOOK_LOG_DAYS, deleted). Routes: the
endpoints, their secrets, tests and delivery logs under the dashboard's Integrations.

Booking: models (BookingLink, BookingReceipt), booking_links (the publication's booking page,
the reference a support answer's link carries, offered to support's answer form),
booking_inbound (Cal.com's and Calendly's signatures and payloads), bookings (matching a
booking to its request and moving it to booked). Routes: the booking link's settings page
and `POST /hooks/booking/<token>`, where providers post bookings.

May import: saas.core, saas.mail, saas.accounts, saas.publishing, saas.audience,
saas.billing, saas.delivery, saas.replies, saas.support. Independent of saas.api.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes, receivers, and retrying due deliveries in the embedded default."""
    from saas.core import periodic
    from saas.webhooks import (  # noqa: F401  (register routes)
        booking_views,
        delivery_views,
        endpoint_views,
        hooks,
    )
    from saas.webhooks.attempts import retry_due
    from saas.webhooks.blueprints import booking_bp
    from saas.webhooks.erasure import purge_old_deliveries

    app.register_blueprint(booking_bp)
    hooks.connect()
    periodic.register(app, "retrying webhook deliveries", retry_due)
    periodic.register(app, "webhook log purge", purge_old_deliveries, periodic.DAILY)


def init_cli(app: Flask) -> None:
    """`flask webhook-upkeep`."""
    from saas.webhooks import cli

    cli.init_app(app)
