"""The stand-in's endpoints and its customer-side state changes (see tests/stripe_standin.py).

Each function builds objects in the shape of Stripe's API reference, keeps them in the
stand-in's store under the account that made them, and returns them as JSON-ready dicts.
"""

from __future__ import annotations

import time
from typing import Any

from tests.stripe_standin import StripeStandIn, new_id

MONTH = 30 * 86400
YEAR = 365 * 86400


def _now() -> int:
    return int(time.time())


def _bool(value: Any) -> bool:
    return str(value).lower() in {"true", "1"}


def dispatch(s: StripeStandIn, method: str, path: str, params: dict, account: str | None) -> dict:
    """Route one API call; KeyError(id) for a missing object (404)."""
    parts = path.strip("/").split("/")[1:]  # drop "v1"
    key = (method, "/".join(p if i % 2 == 0 else "{id}" for i, p in enumerate(parts)))
    handlers = {
        ("POST", "accounts"): create_account,
        ("GET", "accounts/{id}"): lambda s, p, a, i: _get(s, i, a),
        ("POST", "account_links"): create_account_link,
        ("POST", "products"): create_product,
        ("POST", "products/{id}"): update_object,
        ("POST", "prices"): create_price,
        ("GET", "prices/{id}"): lambda s, p, a, i: _get(s, i, a),
        ("POST", "prices/{id}"): update_object,
        ("GET", "customers/{id}"): lambda s, p, a, i: _get(s, i, a),
        ("GET", "subscriptions/{id}"): lambda s, p, a, i: _get(s, i, a),
        ("DELETE", "subscriptions/{id}"): cancel_subscription,
        ("POST", "billing_portal/sessions"): create_portal_session,
    }
    if parts[:2] == ["checkout", "sessions"]:
        if method == "POST" and len(parts) == 2:
            return create_checkout_session(s, params, account)
        if method == "GET" and len(parts) == 3:
            return _get(s, parts[2], account)
    if key[1].startswith("billing_portal"):
        key = (method, "billing_portal/sessions")
    handler = handlers.get(key)
    if handler is None:
        raise KeyError(path)
    return handler(s, params, account, parts[1] if len(parts) > 1 else None)


def _get(s: StripeStandIn, object_id: str, account: str | None) -> dict:
    obj = s.get(object_id, account)
    if obj is None:
        raise KeyError(object_id)
    return obj


def update_object(s: StripeStandIn, params: dict, account: str | None, object_id: str) -> dict:
    obj = _get(s, object_id, account)
    for name, value in params.items():
        obj[name] = _bool(value) if name == "active" else value
    return obj


def create_account(s: StripeStandIn, params: dict, account: str | None, _=None) -> dict:
    return s.put(
        {
            "id": new_id("acct"),
            "object": "account",
            "type": params.get("type", "express"),
            "email": params.get("email"),
            "business_profile": params.get("business_profile", {}),
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "default_currency": "usd",
            "country": "US",
            "metadata": params.get("metadata", {}),
            "requirements": {
                "currently_due": ["external_account"],
                "disabled_reason": "requirements.past_due",
            },
            "created": _now(),
        }
    )


def create_account_link(s: StripeStandIn, params: dict, account: str | None, _=None) -> dict:
    _get(s, params["account"], None)
    return {
        "object": "account_link",
        "created": _now(),
        "expires_at": _now() + 300,
        "url": f"{s.base}/onboarding/{params['account']}",
    }


def create_product(s: StripeStandIn, params: dict, account: str | None, _=None) -> dict:
    return s.put(
        {
            "id": new_id("prod"),
            "object": "product",
            "name": params["name"],
            "description": params.get("description"),
            "active": True,
            "metadata": params.get("metadata", {}),
            "created": _now(),
        },
        account,
    )


def create_price(s: StripeStandIn, params: dict, account: str | None, _=None) -> dict:
    _get(s, params["product"], account)
    return s.put(
        {
            "id": new_id("price"),
            "object": "price",
            "active": True,
            "product": params["product"],
            "currency": params["currency"],
            "unit_amount": int(params["unit_amount"]),
            "recurring": {"interval": params["recurring"]["interval"], "interval_count": 1},
            "type": "recurring",
            "metadata": params.get("metadata", {}),
            "created": _now(),
        },
        account,
    )


def create_checkout_session(s: StripeStandIn, params: dict, account: str | None) -> dict:
    for item in params.get("line_items", []):
        _get(s, item["price"], account)
    session_id = new_id("cs")
    return s.put(
        {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "url": f"{s.base}/checkout/{session_id}",
            "customer": params.get("customer"),
            "customer_email": params.get("customer_email"),
            "customer_details": None,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "subscription": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "created": _now(),
            "expires_at": _now() + 86400,
            "livemode": False,
            # Kept for the stand-in's own use when the customer pays (not in Stripe's shape).
            "_line_items": params.get("line_items", []),
            "_subscription_data": params.get("subscription_data", {}),
        },
        account,
    )


def create_portal_session(s: StripeStandIn, params: dict, account: str | None, _=None) -> dict:
    _get(s, params["customer"], account)
    session_id = new_id("bps")
    return {
        "id": session_id,
        "object": "billing_portal.session",
        "customer": params["customer"],
        "return_url": params.get("return_url"),
        "url": f"{s.base}/portal/{session_id}",
        "created": _now(),
        "livemode": False,
    }


def _public(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def complete_checkout(
    s: StripeStandIn, session_id: str, account: str | None, email: str
) -> list[dict]:
    """The customer pays for a subscription-mode session."""
    session = _get(s, session_id, account)
    email = email or session.get("customer_email") or ""
    customer = session.get("customer") and s.get(session["customer"], account)
    if not customer:
        customer = s.put(
            {"id": new_id("cus"), "object": "customer", "email": email, "created": _now()},
            account,
        )
    price = _get(s, session["_line_items"][0]["price"], account)
    data = session["_subscription_data"]
    subscription = new_subscription(s, customer["id"], price, account, data.get("metadata", {}))
    if data.get("application_fee_percent"):
        subscription["application_fee_percent"] = float(data["application_fee_percent"])
    session.update(
        status="complete",
        payment_status="paid",
        customer=customer["id"],
        customer_details={"email": customer["email"]},
        subscription=subscription["id"],
    )
    return [
        s.event("customer.subscription.created", subscription, account),
        s.event("checkout.session.completed", _public(session), account),
        *invoice_events(s, subscription["id"], paid=True, account=account),
    ]


def new_subscription(
    s: StripeStandIn, customer: str, price: dict, account: str | None, metadata: dict
) -> dict:
    now = _now()
    period = YEAR if price["recurring"]["interval"] == "year" else MONTH
    subscription_id = new_id("sub")
    return s.put(
        {
            "id": subscription_id,
            "object": "subscription",
            "customer": customer,
            "status": "active",
            "created": now,
            "start_date": now,
            "cancel_at_period_end": False,
            "cancel_at": None,
            "canceled_at": None,
            "ended_at": None,
            "currency": price["currency"],
            "metadata": dict(metadata),
            "livemode": False,
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": new_id("si"),
                        "object": "subscription_item",
                        "price": price,
                        "quantity": 1,
                        "current_period_start": now,
                        "current_period_end": now + period,
                        "subscription": subscription_id,
                    }
                ],
                "has_more": False,
            },
        },
        account,
    )


def cancel_subscription(
    s: StripeStandIn, params: dict, account: str | None, object_id: str
) -> dict:
    """DELETE /v1/subscriptions/{id}: cancel now (an already-cancelled one is refused, as on
    Stripe, with a 400 naming the subscription)."""
    subscription = _get(s, object_id, account)
    if subscription["status"] in ("canceled", "incomplete_expired"):
        raise AlreadyCanceled(object_id)
    subscription.update(status="canceled", canceled_at=_now(), ended_at=_now())
    return subscription


class AlreadyCanceled(Exception):
    """Cancelling a subscription that has already ended (a 400 invalid_request_error)."""


def change_subscription(s: StripeStandIn, subscription_id: str, **changes: Any) -> list[dict]:
    """Apply portal-like changes: price=<price id>, cancel_at_period_end, status."""
    account, subscription = s.find(subscription_id)
    if "price" in changes:
        subscription["items"]["data"][0]["price"] = _get(s, changes.pop("price"), account)
    if changes.pop("cancel_now", False):
        changes.update(status="canceled", canceled_at=_now(), ended_at=_now())
    subscription.update(changes)
    kind = "deleted" if subscription["status"] == "canceled" else "updated"
    return [s.event(f"customer.subscription.{kind}", subscription, account)]


def invoice_events(
    s: StripeStandIn, subscription_id: str, paid: bool, account: str | None = None
) -> list[dict]:
    """An invoice for the subscription is paid (or its payment fails)."""
    account, subscription = s.find(subscription_id)
    subscription["status"] = "active" if paid else "past_due"
    item = subscription["items"]["data"][0]
    invoice = {
        "id": new_id("in"),
        "object": "invoice",
        "customer": subscription["customer"],
        "status": "paid" if paid else "open",
        "amount_due": item["price"]["unit_amount"],
        "currency": item["price"]["currency"],
        "attempt_count": 1,
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription_id, "metadata": {}},
        },
        "created": _now(),
    }
    kind = "invoice.paid" if paid else "invoice.payment_failed"
    return [
        s.event("customer.subscription.updated", subscription, account),
        s.event(kind, invoice, account),
    ]
