"""What one visitor may read of a paid issue, as page holes (saas.core.page_holes).

A paid issue's page is kept with both the whole body and the preview with the paywall
under it; per request the flag "full-access" picks one: issues for everyone and members of
the publication always read in full, and readers while their paid standing lasts (with
billing off nobody could pay, so no issue is locked). "lapsed" tells the paywall that the
reader's subscription ended, and "reader-notice" warns a reader whose renewal failed.

The paid standing comes from the reader's kept state (saas.audience.reader_state), whose
"billing" part this module computes; it holds until the grace period it reports ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from saas.audience import reader_state
from saas.billing import stripe_api
from saas.billing.models import PaidTier, ReaderSubscription
from saas.billing.paid import connect_accounts, reader_billing
from saas.billing.paid import tiers as paid_tiers
from saas.core.content_versions import PAGES, READERS, watch
from saas.core.page_hole_rendering import render_partial
from saas.core.page_holes import Fill, resolver
from saas.publishing.models import AUDIENCE_PAID, Publication


@dataclass(frozen=True)
class PaywallOffer:
    """What the paywall offers every visitor: the tiers, if readers can pay now."""

    can_pay: bool
    tiers: list[PaidTier] = field(default_factory=list)


def paywall_offer(publication: Publication) -> PaywallOffer:
    """The publication's tiers, when its connected account can take payments."""
    if not connect_accounts.is_ready(connect_accounts.get_connection(publication)):
        return PaywallOffer(False)
    tiers = paid_tiers.list_tiers(publication)
    return PaywallOffer(bool(tiers), tiers)


@reader_state.loader("billing")
def _standing(publication: Publication, subscriber_id: int) -> dict[str, Any]:
    standing = reader_billing.standing(publication, subscriber_id)
    grace_until = standing.grace_until
    return {
        "paid": standing.paid,
        "grace_until": grace_until.isoformat() if grace_until else None,
        "valid_until": grace_until.timestamp() if grace_until else None,
    }


def _locked(fill: Fill) -> bool:
    issue = fill.page.get("issue") or {}
    return issue.get("audience") == AUDIENCE_PAID and stripe_api.enabled()


def _paid(fill: Fill) -> bool:
    reader = fill.who("reader")
    return reader is not None and bool(reader.part("billing").get("paid"))


@resolver("flag", "full-access")
def _full_access(fill: Fill) -> bool:
    return not _locked(fill) or bool(fill.who("member")) or _paid(fill)


@resolver("flag", "lapsed")
def _lapsed(fill: Fill) -> bool:
    return fill.who("reader") is not None and not _paid(fill)


@resolver("partial", "reader-notice")
def _reader_notice(fill: Fill, kwargs: dict) -> str:
    reader = fill.who("reader")
    if reader is None or fill.who("member") or not _locked(fill) or not _paid(fill):
        return ""
    grace_until = reader.part("billing").get("grace_until")
    if not grace_until:
        return ""
    return render_partial(
        "billing/_reader_notice.html",
        fill,
        publication=fill.context["publication"],
        grace_until=datetime.fromisoformat(grace_until),
    )


def watch_paid_content() -> None:
    """Tiers and the connected account show on paywalls; payments make a reader's standing."""
    from saas.billing.models import ConnectedAccount, PlanSubscription

    watch(PaidTier, [PAGES])
    watch(ConnectedAccount, [PAGES])
    watch(ReaderSubscription, [READERS])
    # A practitioner's plan decides the branding of all their publications' pages.
    watch(PlanSubscription, [PAGES], publication_of=lambda row: None)
