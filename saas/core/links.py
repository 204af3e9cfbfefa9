"""Absolute links that work without a request: mail, feeds, jobs and canonical URLs."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from flask import current_app


class PublicAddress(Protocol):
    """What a link needs of a publication: its slug and, when it has one, its own domain."""

    slug: str
    custom_domain: str | None
    custom_domain_verified_at: datetime | None


def external_url(endpoint: str, **values) -> str:
    """Absolute URL on the platform's BASE_URL."""
    parts = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def _serves_custom_domain(publication: PublicAddress) -> bool:
    # A pending domain (DNS not yet checked) is never served. Past that, the tenancy
    # middleware knows (and caches) whether the domain is served now: a domain kept after a
    # downgrade is not, and links must not point at it.
    if publication.custom_domain_verified_at is None:
        return False
    domains = current_app.extensions.get("custom_domains")
    return domains is None or domains.serves_host(publication.custom_domain)


def publication_base_url(publication: PublicAddress) -> str:
    """Absolute public home of a publication: its custom domain when verified and served."""
    if publication.custom_domain and _serves_custom_domain(publication):
        scheme = urlsplit(current_app.config["BASE_URL"]).scheme or "https"
        return f"{scheme}://{publication.custom_domain}"
    return f"{current_app.config['BASE_URL']}/p/{publication.slug}"


def absolute_public_url(publication: PublicAddress, endpoint: str, **values) -> str:
    """Canonical absolute URL of a public page."""
    parts = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name="/")
    path = adapter.build(endpoint, {"pub_slug": publication.slug, **values})
    return publication_base_url(publication) + path[len(f"/p/{publication.slug}") :]
