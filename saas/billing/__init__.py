"""Billing: the practitioner's plan, its limits, paid tiers and readers paying, on Stripe.

Models: PlanSubscription, StripeEvent, ConnectedAccount, PaidTier, ReaderSubscription,
SubscriberHold (models). The practitioner's plan: plans, limits (publications, custom
domains, readers, the waiting list), plan_billing (Checkout and the portal), mail, plan_views
(`/billing`). Stripe: stripe_api, stripe_webhooks and webhook_payload
(`POST /billing/webhook`), subscription_state, event_retention. Readers paying a
publication: paid/ (Connect, tiers, checkout, access, the paywall, the paid issue's email,
their erasure; dashboard and public routes).

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
    from saas.billing import csp, hooks, plan_views, templating, webhook  # noqa: F401  (routes)
    from saas.billing import limits as billing_limits
    from saas.billing.blueprints import platform_bp
    from saas.billing.event_retention import purge_processed
    from saas.billing.paid import page_holes, reader_views, tier_views  # noqa: F401  (routes)
    from saas.core import periodic

    app.register_blueprint(platform_bp)
    templating.init_app(app)
    app.jinja_env.globals["paywall_offer"] = page_holes.paywall_offer
    page_holes.watch_paid_content()
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
