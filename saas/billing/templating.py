"""Template helpers for billing: plan notices, branding, the paywall's offer, paid issues.

Registered as Jinja globals when the billing blueprint is registered. What one visitor may
read of a paid issue is a page hole (saas.billing.paid.page_holes), so templates stay free of
access rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, url_for
from flask_login import current_user

from saas.billing import limits as billing_limits
from saas.billing import plans as billing_plans
from saas.billing import stripe_api
from saas.billing.paid import connect_accounts, paywall
from saas.billing.paid import tiers as paid_tiers
from saas.publishing.models import Publication


@dataclass(frozen=True)
class Notice:
    """A banner at the top of the dashboard."""

    level: str
    text: str
    link: str = ""
    link_text: str = ""


def paid_ready(publication: Publication) -> bool:
    """Whether readers can pay this publication now: billing on, Stripe connected, a tier."""
    if not stripe_api.enabled():
        return False
    connected = connect_accounts.is_ready(connect_accounts.get_connection(publication))
    return connected and bool(paid_tiers.list_tiers(publication))


def plan_notices(publication: Publication | None) -> list[Notice]:
    """Grace-period and waiting-list banners for the signed-in practitioner."""
    if not stripe_api.enabled() or not current_user.is_authenticated:
        return []
    notices: list[Notice] = []
    plan_url = url_for("billing.plan")
    standing = billing_plans.standing(current_user.id)
    if standing.in_grace:
        notices.append(
            Notice(
                "warning",
                f"Your last payment for the {standing.plan.name} plan failed. Your plan stays "
                f"until {_date(standing.grace_until)}; after that your account moves to Free.",
                plan_url,
                "Update payment details",
            )
        )
    if publication is not None:
        waiting = billing_limits.held_count(publication)
        if waiting:
            plan = billing_plans.publication_standing(publication).plan
            limit = plan.max_subscribers or 0
            readers = f"{waiting:,} reader{'' if waiting == 1 else 's'}"
            text = (
                f"{readers} confirmed and waiting: the {plan.name} plan includes "
                f"{limit:,} active readers. None are lost; they join as soon as there is room."
            )
            if billing_plans.owner_id(publication) == current_user.id:
                notices.append(Notice("warning", text, plan_url, "Upgrade to add them"))
            else:
                notices.append(Notice("warning", text + " The owner can upgrade the plan."))
    return notices


def custom_domain_notice(publication: Publication | None) -> str | None:
    """Why the publication's custom domain is not served (settings page), or None."""
    if publication is None or not publication.custom_domain:
        return None
    return billing_limits.custom_domain_refusal(publication)


def _date(value: datetime | None) -> str:
    return f"{value:%-d %B %Y}" if value else "soon"


def init_app(app: Flask) -> None:
    """Register the helpers as Jinja globals."""
    app.jinja_env.globals.update(
        plan_notices=plan_notices,
        custom_domain_notice=custom_domain_notice,
        tend_branding=billing_limits.shows_tend_branding,
        free_html=paywall.free_html,
        free_text=paywall.free_text,
        is_paid_issue=paywall.is_locked,
        has_paywall_break=paywall.has_break,
        paid_ready=paid_ready,
        billing_enabled=stripe_api.enabled,
        price_label=paid_tiers.price_label,
    )
