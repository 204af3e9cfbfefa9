"""Let the forms that lead to Stripe's hosted pages leave the site.

The app-wide Content-Security-Policy (saas.core.security_headers) says `form-action 'self'`, and
browsers apply it to every redirect a form submission follows: a POST that answers 303 to
Checkout, the Billing Portal or Connect onboarding would be blocked. Pages holding such
forms get Stripe's hosted-page origins (and STRIPE_API_BASE's, for a local stand-in) added.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

STRIPE_PAGES = (
    "https://checkout.stripe.com",
    "https://billing.stripe.com",
    "https://connect.stripe.com",
)
# Pages with a form that ends on a Stripe-hosted page.
ENDPOINTS = frozenset(
    {
        "public.publishing.issue",
        "public.billing.paid_account",
        "billing.plan",
        "dashboard.billing.paid_tiers",
    }
)
_DIRECTIVE = "form-action 'self'"


def _origins() -> str:
    origins = list(STRIPE_PAGES)
    base = current_app.config.get("STRIPE_API_BASE") or ""
    if base:
        parts = urlsplit(base)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return " ".join(origins)


def allow_stripe_forms(response: Response) -> Response:
    """Widen form-action on the pages in ENDPOINTS (after the app-wide headers are set)."""
    policy = response.headers.get("Content-Security-Policy", "")
    if request.endpoint in ENDPOINTS and _DIRECTIVE in policy:
        widened = policy.replace(_DIRECTIVE, f"{_DIRECTIVE} {_origins()}", 1)
        response.headers["Content-Security-Policy"] = widened
    return response


def init_app(app: Flask) -> None:
    """Register the hook (it runs after the security headers', registered later)."""
    app.after_request(allow_stripe_forms)
