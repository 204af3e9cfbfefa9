"""Billing: the practitioner's plan, its limits, paid tiers and readers paying, on Stripe.

Models: PlanSubscription, StripeEvent, ConnectedAccount, PaidTier, ReaderSubscription,
SubscriberHold (models). Services: plans, limits (publications, custom domains, readers, the
waiting list), plan_billing, connect_accounts, paid_tiers, reader_billing, reader_sync,
reader_access, reader_erasure, paywall, paid_mail, stripe_api, stripe_webhooks,
subscription_state, event_retention, mail. Routes: `/billing` (plan pages, Stripe's webhook),
paid tiers in the dashboard, readers paying on the public pages.

Below delivery on purpose: a send asks billing which readers get the whole of a paid issue.
Reacts to lower features through their hooks (a reader confirmed, imported or erased; a
publication created or claiming a custom domain) and tells the custom-domain routing which
domains the plan serves.

May import: saas.core, saas.mail, saas.accounts, saas.publishing, saas.audience.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Routes, template helpers, CSP for Stripe's pages, hooks and periodic retention."""
    from saas.billing import (  # noqa: F401  (register routes)
        csp,
        hooks,
        plan_views,
        reader_views,
        templating,
        tier_views,
        webhook,
    )
    from saas.billing import limits as billing_limits
    from saas.billing.blueprints import platform_bp
    from saas.billing.event_retention import purge_processed
    from saas.core import periodic

    app.register_blueprint(platform_bp)
    templating.init_app(app)
    csp.init_app(app)
    hooks.connect()
    # Custom domains are a plan feature: the tenancy middleware asks the plan before serving.
    domains = app.extensions.get("custom_domains")
    if domains is not None:
        domains.serves = billing_limits.serves_custom_domain
    periodic.register(app, "stripe event retention purge", purge_processed, periodic.DAILY)


def init_cli(app: Flask) -> None:
    """`flask purge-stripe-events`."""
    from saas.billing import cli

    cli.init_app(app)
