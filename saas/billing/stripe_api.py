"""The one way Tend talks to Stripe: a StripeClient built from config, and small readers.

The client is built per secret key and API base (STRIPE_API_BASE points it at a local
stand-in in tests), so nothing sets module-level state on the `stripe` package. Stripe's
objects change shape between API versions; `field()` and the `*_of()` readers take what
Tend needs from either the current shape or the older one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import stripe
from flask import current_app


class BillingDisabled(RuntimeError):
    """Stripe is not configured (no STRIPE_SECRET_KEY): payments are off."""


def enabled() -> bool:
    """Whether billing is on for this instance."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    bases = {"api": api_base, "connect": api_base} if api_base else None
    return stripe.StripeClient(api_key, base_addresses=bases, max_network_retries=2)


def client() -> stripe.StripeClient:
    """The StripeClient for the configured key; BillingDisabled without one."""
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        raise BillingDisabled("Set STRIPE_SECRET_KEY to take payments.")
    return _client(config["STRIPE_SECRET_KEY"], config.get("STRIPE_API_BASE") or "")


def on_account(account_id: str | None, **options: Any) -> dict[str, Any]:
    """Request options for a call made on a connected account (or the platform when None)."""
    return {**options, "stripe_account": account_id} if account_id else dict(options)


def field(obj: Any, *path: str, default: Any = None) -> Any:
    """obj[a][b]... for Stripe objects and plain dicts alike, `default` when any step is missing."""
    for key in path:
        if obj is None:
            return default
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            return default
    return default if obj is None else obj


def timestamp(value: int | None) -> datetime | None:
    """A Stripe Unix timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(int(value), UTC) if value else None


def object_id(value: Any) -> str:
    """The id of an expandable field: a string id or an expanded object."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(field(value, "id", default=""))


def first_item(subscription: Any) -> Any:
    """A subscription's first item (Tend's subscriptions have exactly one)."""
    return field(subscription, "items", "data", 0)


def price_of(subscription: Any) -> tuple[str, str, str]:
    """(price id, product id, interval) of a subscription's item."""
    item = first_item(subscription)
    price = field(item, "price") or field(item, "plan")
    return (
        object_id(price),
        object_id(field(price, "product")),
        str(field(price, "recurring", "interval") or field(price, "interval") or "month"),
    )


def period_end_of(subscription: Any) -> datetime | None:
    """When the current period ends: on the item in current API versions, else top-level."""
    value = field(first_item(subscription), "current_period_end") or field(
        subscription, "current_period_end"
    )
    return timestamp(value)


def subscription_of_invoice(invoice: Any) -> str:
    """The subscription an invoice bills, in the current and the older invoice shape."""
    return object_id(
        field(invoice, "parent", "subscription_details", "subscription")
        or field(invoice, "subscription")
    )
