"""Billing routes: `/billing` and Stripe's webhook, paid tiers, readers paying.

Dashboard and public blueprints nest into publishing's tenancy parents, so no route here
resolves a publication by itself.
"""

from __future__ import annotations

from flask import Blueprint

from saas.publishing import dashboard_parent, public_parent

# Platform-level pages under `/billing`: the account's plan, and Stripe's webhook.
platform_bp = Blueprint("billing", __name__, url_prefix="/billing")
dashboard_bp = dashboard_parent.nest("billing", __name__)
public_bp = public_parent.nest("billing", __name__)
