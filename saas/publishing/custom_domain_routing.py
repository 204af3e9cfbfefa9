"""Custom domains at the front door: a verified domain's requests become `/p/<slug>/...`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import quote

from flask import Flask
from sqlalchemy import select

from saas.core.extensions import db
from saas.publishing.models import Publication


class CustomDomainMiddleware:
    """Serve a publication's public pages at `/` when the Host is its verified custom domain.

    The path is rewritten to `/p/<slug>/...` before Flask routes it, so the same views and
    the same scoping apply. A domain the publication may not use now (its owner's plan no
    longer includes custom domains; the rule is `serves`, set by the billing package) is not
    served: the request is redirected to the same page on the platform, `/p/<slug>/...`.
    Lookups are cached briefly to keep the hot path query-free; `forget()` drops them.
    """

    CACHE_SECONDS = 30.0
    URL_SAFE = "/:@!$&'()*+,;=-._~"  # left as they are when the path is quoted again

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wsgi_app = app.wsgi_app
        self._cache: dict[str, tuple[float, str | None, bool]] = {}
        self._lock = threading.Lock()
        self.serves: Callable[[Publication], bool] = lambda publication: True

    def _lookup(self, host: str) -> tuple[str | None, bool]:
        """(slug of the publication holding `host` verified, whether it is served there now).

        A pending (unverified) claim is no claim: the host is unknown, as if never set.
        """
        now = time.monotonic()
        hit = self._cache.get(host)
        if hit and now - hit[0] < self.CACHE_SECONDS:
            return hit[1], hit[2]
        with self.app.app_context():
            publication = db.session.scalar(
                select(Publication).where(
                    Publication.custom_domain == host,
                    Publication.custom_domain_verified_at.is_not(None),
                )
            )
            slug = publication.slug if publication is not None else None
            served = publication is not None and bool(self.serves(publication))
        with self._lock:
            self._cache[host] = (now, slug, served)
        return slug, served

    def serves_host(self, host: str) -> bool:
        """Whether `host` is served now (for links: an unserved domain gets platform links)."""
        return self._lookup(host.lower())[1]

    def forget(self) -> None:
        """Drop cached lookups (after a publication changes its domain or its plan)."""
        with self._lock:
            self._cache.clear()

    def _to_platform(self, environ, start_response, slug: str, path: str):
        # Temporary on purpose: an upgrade brings the domain back.
        # PATH_INFO arrives decoded (latin-1): quote it again, so nothing can break the header.
        location = f"{self.app.config['BASE_URL']}/p/{slug}" + quote(
            path.encode("latin-1"), safe=self.URL_SAFE
        )
        query = environ.get("QUERY_STRING")
        if query:
            location += "?" + quote(query.encode("latin-1"), safe=self.URL_SAFE + "%")
        start_response(
            "302 Found",
            [
                ("Location", location),
                ("Cache-Control", "no-store"),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", "0"),
            ],
        )
        return [b""]

    def __call__(self, environ, start_response):
        host = (environ.get("HTTP_HOST") or "").split(":")[0].strip().lower().rstrip(".")
        if host and host not in self.app.config["PLATFORM_HOSTS"]:
            path = environ.get("PATH_INFO") or "/"
            if not path.startswith("/static/"):
                slug, served = self._lookup(host)
                if slug is not None and not served:
                    return self._to_platform(environ, start_response, slug, path)
                if slug is not None:
                    environ["tend.custom_domain_slug"] = slug
                    environ["PATH_INFO"] = f"/p/{slug}{path}"
        return self.wsgi_app(environ, start_response)
