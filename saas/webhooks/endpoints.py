"""Managing a publication's webhook endpoints: add, change, switch on and off, new secret.

An address is checked when it is saved as a delivery would check it (saas.core.outbound_http:
http or https, resolving to public addresses only), and again at every delivery, since DNS
can change in between.
"""

from __future__ import annotations

from sqlalchemy import func, select

from saas.core import outbound_http
from saas.core.extensions import db
from saas.publishing.models import Publication
from saas.webhooks import signing
from saas.webhooks.events import EVENT_TYPES
from saas.webhooks.models import WebhookDelivery, WebhookEndpoint

MAX_ENDPOINTS = 10
LOG_LIMIT = 50


class InvalidEndpoint(ValueError):
    """The endpoint cannot be saved; `field` names the form field, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def list_endpoints(publication: Publication) -> list[WebhookEndpoint]:
    """The publication's endpoints, oldest first."""
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.publication_id == publication.id)
            .order_by(WebhookEndpoint.id)
        )
    )


def get_endpoint(publication: Publication, endpoint_id: int) -> WebhookEndpoint | None:
    """One of the publication's endpoints."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.publication_id != publication.id:
        return None
    return endpoint


def _checked(url: str, events: list[str]) -> tuple[str, list[str]]:
    url = (url or "").strip()
    try:
        outbound_http.check_url(url)
    except outbound_http.OutboundError as exc:
        raise InvalidEndpoint("url", str(exc)) from None
    chosen = [name for name in EVENT_TYPES if name in set(events or [])]
    if not chosen:
        raise InvalidEndpoint("events", "Choose at least one event to send.")
    return url, chosen


def create_endpoint(
    publication: Publication, url: str, events: list[str], description: str = ""
) -> WebhookEndpoint:
    """Add an endpoint, switched on, with a fresh signing secret."""
    count = db.session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.publication_id == publication.id)
    )
    if count >= MAX_ENDPOINTS:
        raise InvalidEndpoint("url", f"A publication can have up to {MAX_ENDPOINTS} endpoints.")
    url, chosen = _checked(url, events)
    endpoint = WebhookEndpoint(
        publication_id=publication.id,
        url=url,
        events=chosen,
        description=(description or "").strip()[:200],
        secret=signing.new_secret(),
        enabled=True,
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def update_endpoint(
    publication: Publication,
    endpoint: WebhookEndpoint,
    url: str,
    events: list[str],
    description: str = "",
) -> WebhookEndpoint:
    """Change where an endpoint is and what it receives."""
    endpoint.url, endpoint.events = _checked(url, events)
    endpoint.description = (description or "").strip()[:200]
    db.session.commit()
    return endpoint


def set_enabled(publication: Publication, endpoint: WebhookEndpoint, enabled: bool) -> None:
    """Switch an endpoint on (starting its failure count over) or off."""
    endpoint.enabled = enabled
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    if enabled:
        endpoint.failing_since = None
    db.session.commit()


def new_secret(publication: Publication, endpoint: WebhookEndpoint) -> None:
    """Sign from now on with a fresh secret (the receiver must be given it)."""
    endpoint.secret = signing.new_secret()
    db.session.commit()


def delete_endpoint(publication: Publication, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log."""
    db.session.delete(endpoint)
    db.session.commit()


def deliveries(publication: Publication, endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(LOG_LIMIT)
        )
    )


def get_delivery(publication: Publication, delivery_id: int) -> WebhookDelivery | None:
    """One of the publication's deliveries."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.publication_id != publication.id:
        return None
    return delivery
