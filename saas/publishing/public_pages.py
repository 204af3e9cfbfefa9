"""How publishing's public views answer: kept pages filled per request (saas.core.stored_pages).

A view gives a key (None: build every time) and a `build()` that reads the database and
renders the page's template with page holes (`render_with_holes`). Keys name the
publication, so one publication's pages never answer for another's.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, g, render_template, request

from saas.core import stored_pages
from saas.core.content_versions import content_key
from saas.core.page_holes import MarkerHoles


def page_key(*parts: object) -> str:
    """The shared-cache key of one of the current publication's pages.

    A page served on the publication's custom domain links without `/p/<slug>`
    (saas.core.urls.public_url), so it is kept apart from the platform's copy.
    """
    where = "domain" if request.environ.get("tend.custom_domain_slug") else "platform"
    return content_key("page", g.publication.id, where, *parts)


def render_with_holes(template: str, **context) -> str:
    """The template rendered for nobody in particular, with markers where readers differ."""
    return render_template(template, holes=MarkerHoles(), **context)


def serve_page(key: str | None, build: Callable[[], stored_pages.Built], **options) -> Response:
    """Answer with the kept page (or build it): see saas.core.stored_pages.serve."""
    versions = g.get("public_versions") if key is not None else None
    return stored_pages.serve(key or "", versions, build, publication=g.publication, **options)
