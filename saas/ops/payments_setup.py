"""Turning payments on, for the operator: which Stripe settings are set and where Stripe calls.

Practitioners only learn that paid plans and subscriptions are not available yet; the how-to
lives here, in the ops console. A setting's value is never shown, only whether it is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from saas.billing import stripe_api
from saas.billing.stripe_webhooks import HANDLERS
from saas.core.links import external_url

INTERVAL_SUFFIX = {"month": "", "year": "_YEARLY"}


@dataclass(frozen=True)
class Setting:
    """One environment variable of the payments setup: its name, whether set, what it does."""

    name: str
    is_set: bool
    purpose: str


@dataclass(frozen=True)
class PaymentsSetup:
    """Everything the operator's payments page shows."""

    enabled: bool
    settings: list[Setting]
    webhook_url: str
    events: list[str]
    fee_percent: float


def _price_settings() -> list[Setting]:
    settings = []
    for plan in current_app.config["BILLING_PLANS"]:
        if plan["key"] == "free":
            continue
        for interval, suffix in INTERVAL_SUFFIX.items():
            settings.append(
                Setting(
                    f"STRIPE_PRICE_{plan['key'].upper()}{suffix}",
                    bool(plan["prices"].get(interval)),
                    f"Stripe Price id of the {interval}ly {plan['name']} plan (unset hides it).",
                )
            )
    return settings


def payments_setup() -> PaymentsSetup:
    """Where the payments setup stands on this server."""
    config = current_app.config
    settings = [
        Setting(
            "STRIPE_SECRET_KEY",
            bool(config.get("STRIPE_SECRET_KEY")),
            "Secret key of the platform's Stripe account; setting it turns payments on.",
        ),
        Setting(
            "STRIPE_WEBHOOK_SECRET",
            bool(config.get("STRIPE_WEBHOOK_SECRET")),
            "Signing secret of the webhook endpoint for the platform's own events.",
        ),
        Setting(
            "STRIPE_CONNECT_WEBHOOK_SECRET",
            bool(config.get("STRIPE_CONNECT_WEBHOOK_SECRET")),
            "Signing secret of the Connect endpoint (events of practitioners' accounts).",
        ),
        *_price_settings(),
    ]
    return PaymentsSetup(
        enabled=stripe_api.enabled(),
        settings=settings,
        webhook_url=external_url("billing.webhook"),
        events=sorted(HANDLERS),
        fee_percent=float(config.get("PLATFORM_FEE_PERCENT") or 0),
    )
