"""Where a higher feature may refuse a publishing change (blinker signals, connected at start-up).

Publishing knows nothing of plans. Billing connects receivers that raise `Refused` (its
PlanLimitReached) when the account's plan does not allow what is asked (a publication, a
custom domain, an image past the storage quota), answers why a practitioner may not start
another publication now, and says how much image storage the plan gives a publication.
Outbound webhooks hear when an issue is published; insights counts issue page views and
says where the dashboard lands.
"""

from __future__ import annotations

from blinker import Namespace


class Refused(ValueError):
    """A receiver refused the change; the message is written for the practitioner."""


_signals = Namespace()

publication_creating = _signals.signal("publication-creating")
"""Sent with the owner's user id as sender and `custom_domain=`; receivers may raise Refused."""

custom_domain_claiming = _signals.signal("custom-domain-claiming")
"""Sent with the publication as sender and `custom_domain=`; receivers may raise Refused."""

new_publication_refusal = _signals.signal("new-publication-refusal")
"""Sent with a user id; a receiver returns why they may not create a publication now, or None."""

getting_started = _signals.signal("getting-started")
"""Sent with a publication; a receiver returns a list of getting_started.Step it owns."""


image_storing = _signals.signal("image-storing")
"""Sent with the publication as sender and `new_bytes=` before an image is stored, inside the
caller's transaction (the publication row locked); receivers may raise Refused."""

image_storage_limit = _signals.signal("image-storage-limit")
"""Sent with a publication; a receiver returns the bytes of images it may keep, or None."""

issue_published = _signals.signal("issue-published")
"""Sent with the publication as sender and `issue=` once an issue went public (committed);
receivers tell others (outbound webhooks) and may commit their own rows."""


issue_viewed = _signals.signal("issue-viewed")
"""Sent with the publication as sender and `issue_id=` when Flask serves a published issue's
page (a GET; answers from the public page cache never reach it); receivers count it without
a database query (a kept page costs none)."""

dashboard_landing = _signals.signal("dashboard-landing")
"""Sent with a publication; a receiver returns the endpoint a practitioner lands on in its
dashboard (insights' home), or None for the issues list."""


def landing_endpoint(publication) -> str:
    """Where signing in, or opening a publication, takes a practitioner."""
    for _receiver, endpoint in dashboard_landing.send(publication):
        if endpoint:
            return endpoint
    return "dashboard.publishing.issues"


def check_new_publication(owner_id: int, custom_domain: str | None) -> None:
    """Raise Refused if any receiver refuses a new publication for this owner."""
    publication_creating.send(owner_id, custom_domain=custom_domain)


def check_custom_domain(publication, custom_domain: str | None) -> None:
    """Raise Refused if any receiver refuses this custom domain for the publication."""
    custom_domain_claiming.send(publication, custom_domain=custom_domain)


def refusal_for_new_publication(user_id: int) -> str | None:
    """The first reason a receiver gives for refusing a new publication, or None."""
    for _receiver, reason in new_publication_refusal.send(user_id):
        if reason:
            return reason
    return None


def check_image_storage(publication, new_bytes: int) -> None:
    """Raise Refused if any receiver refuses `new_bytes` more of images for the publication."""
    image_storing.send(publication, new_bytes=new_bytes)


def image_storage_quota(publication) -> int | None:
    """The smallest limit any receiver sets on the publication's images, or None (no limit)."""
    limits = [limit for _r, limit in image_storage_limit.send(publication) if limit is not None]
    return min(limits) if limits else None
