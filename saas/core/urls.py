"""Request-side URL helpers: safe redirects and public links on custom domains."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next_url(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site (no open redirects)."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def public_url(endpoint: str, **values) -> str:
    """url_for for public pages, without `/p/<slug>` when served on the custom domain."""
    path = url_for(endpoint, **values)
    served_slug = request.environ.get("tend.custom_domain_slug")
    prefix = f"/p/{served_slug}"
    if served_slug and values.get("pub_slug") == served_slug and path.startswith(prefix):
        path = path[len(prefix) :] or "/"
    return path
