"""The billing blueprint: platform-level pages under `/billing` (no publication in the URL).

The plan pages belong to the signed-in account; the webhook belongs to Stripe. Paid tiers
(dashboard) and readers paying (public pages) add their routes to those blueprints instead,
so the same tenant binding applies to them.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("billing", __name__, url_prefix="/billing")


@bp.record_once
def _register_app_hooks(state) -> None:
    from saas.billing import csp, templating
    from saas.billing import limits as billing_limits

    templating.init_app(state.app)
    csp.init_app(state.app)
    # Custom domains are a plan feature: the tenancy middleware asks the plan before serving.
    domains = state.app.extensions.get("custom_domains")
    if domains is not None:
        domains.serves = billing_limits.serves_custom_domain
