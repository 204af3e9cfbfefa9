"""Public pages kept once per content version and filled per request.

`serve` answers a public page from its stored copy when the copy was made under the
publication's current PAGES token (saas.core.content_versions), and otherwise builds it (the
view's `build`: database reads and a template rendered with page holes), stores it in the
shared cache and in this process, and answers. What is stored: the page as a tree of page
holes (saas.core.page_holes) and the page assembled for nobody in particular.

- An impersonal request (nobody signed in, nothing flashed) gets the assembled page with an
  ETag and Last-Modified, `Cache-Control: public` with `s-maxage` and
  `stale-while-revalidate` so a CDN or proxy in front may keep it, and `Vary: Cookie`; a
  conditional request that still matches gets 304.
- A personal request gets the tree filled for them, `Cache-Control: private, no-cache`.

Without a reachable shared cache every request builds the page (and nothing is stored).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, g, request
from werkzeug.http import http_date

from saas.core import page_holes
from saas.core.content_versions import PAGES, Versions
from saas.core.shared_cache import LocalCopies, shared_cache


@dataclass(frozen=True)
class StoredPage:
    """A page as stored: its tree of holes, what it says about itself, the impersonal copy."""

    nodes: list
    page: dict
    anonymous_html: str
    etag: str

    def encode(self, stamp: str) -> bytes:
        return json.dumps(
            {"s": stamp, "n": self.nodes, "p": self.page, "a": self.anonymous_html, "e": self.etag}
        ).encode()

    @classmethod
    def decode(cls, raw: bytes | None, stamp: str) -> StoredPage | None:
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if data.get("s") != stamp:
            return None
        return cls(data["n"], data["p"], data["a"], data["e"])


_local = LocalCopies(max_entries=256)

# What a page's build returns: the HTML rendered with MarkerHoles, and facts about the page
# its holes' resolvers need (kept with it).
Built = tuple[str, dict]


def _build(build: Callable[[], Built], context: dict[str, Any]) -> StoredPage:
    html, page = build()
    nodes = page_holes.parse(html, page_holes.tag())
    anonymous = page_holes.assemble(nodes, page_holes.Anonymous(page, **context))
    etag = hashlib.sha256(anonymous.encode()).hexdigest()[:20]
    return StoredPage(nodes, page, anonymous, etag)


def stored(
    key: str, versions: Versions | None, build: Callable[[], Built], context: dict[str, Any]
) -> StoredPage:
    """The page under `key` for the current PAGES token: from this process, the shared
    cache, or built now (and stored)."""
    if not key or versions is None or not versions.complete:
        return _build(build, context)
    stamp = versions.stamp(PAGES)
    entry = _local.get(key, stamp)
    if entry is not None:
        return entry
    cache = shared_cache()
    values = cache.get_many([key])
    entry = StoredPage.decode(values[0], stamp) if values else None
    if entry is None:
        entry = _build(build, context)
        if not entry.page.get("keep", True):
            return entry
        cache.set(key, entry.encode(stamp), ttl=current_app.config["PAGE_FRAGMENT_SECONDS"])
    _local.put(key, stamp, entry)
    return entry


def _public_headers(response: Response, etag: str, versions: Versions | None) -> None:
    config = current_app.config
    response.set_etag(etag)
    if versions is not None and versions.changed_at:
        response.headers["Last-Modified"] = http_date(int(versions.changed_at))
    directives = [
        "public",
        "max-age=0",
        f"s-maxage={config['PUBLIC_SHARED_MAX_AGE']}",
        f"stale-while-revalidate={config['PUBLIC_STALE_WHILE_REVALIDATE']}",
    ]
    if config["PUBLIC_CACHE_STALE_SECONDS"]:
        directives.append(f"stale-if-error={config['PUBLIC_CACHE_STALE_SECONDS']}")
    response.headers["Cache-Control"] = ", ".join(directives)


def serve(
    key: str,
    versions: Versions | None,
    build: Callable[[], Built],
    mimetype: str = "text/html",
    personal_parts: bool = True,
    **context: Any,
) -> Response:
    """Answer the current request with the page stored under `key` (see the module doc).

    `personal_parts=False` (feeds, sitemaps) serves everyone the impersonal copy.
    """
    entry = stored(key, versions, build, context)
    g.stored_page_facts = entry.page  # what the view may need after serving (the id)
    fill = page_holes.Fill(entry.page, **context) if personal_parts else None
    if fill is not None and fill.personal:
        response = Response(page_holes.assemble(entry.nodes, fill), mimetype=mimetype)
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response = Response(entry.anonymous_html, mimetype=mimetype)
        _public_headers(response, entry.etag, versions)
        response = response.make_conditional(request)
    response.vary.add("Cookie")
    return response
