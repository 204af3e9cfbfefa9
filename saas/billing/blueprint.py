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

    templating.init_app(state.app)
    csp.init_app(state.app)
