"""A small in-process cache for anonymous readers' public pages.

Public pages (a publication's home, archive, issues, feeds, sitemap and robots.txt) are the
same for every reader who is not signed in, and they are what a newsletter's traffic spike
hits. ``PublicPageCache`` is WSGI middleware that keeps the finished responses to those
requests for ``PUBLIC_CACHE_SECONDS`` (0 turns it off: the default outside production).

It sits inside ``CustomDomainMiddleware`` (Domain -> Cache -> Flask), so it sees the
rewritten ``/p/<slug>/...`` path, and keys entries by scheme, host, path and query, so a
custom domain and the platform host never share an entry. It is deliberately conservative:

- only GET and HEAD to the public page paths listed in ``CACHEABLE_PATH``; a query string
  only as ``page=<n>`` on the archive, once tracking parameters (``utm_*``, ``fbclid``,
  ``gclid`` and the like, which no page reads) are left out of the key;
- never for a request carrying the session or remember-me cookie, or an Authorization
  header (a signed-in practitioner sees the live page);
- only 200 responses that set no cookie, are not ``private``/``no-store`` and vary on
  nothing but Cookie; HEAD is answered from an entry but never fills one;
- bounded: least recently used entries go first past ``max_entries`` or ``max_bytes``.

Entries are shared by every worker and node through the shared cache (Redis: a
``SharedCache``, saas.core.shared_cache), and each process keeps its own copies in front of
it: a worker that has not seen a page yet takes the copy another one stored (for the rest of
its TTL) instead of building it again. An edit shows everywhere within the TTL (and at once
on pages the app answers itself: saas.core.stored_pages). Expired entries are kept a while
longer in each process (``PUBLIC_CACHE_STALE_SECONDS``) as a fallback: when the app fails
(its database restarting, say), readers get the last good copy marked ``X-Cache: STALE``
instead of an error.
Answers to cacheable requests carry ``X-Cache: HIT`` (with ``Age``) or ``X-Cache: MISS``
(whether or not the answer could be kept); bypassed requests carry neither. A hit gets its
own ``X-Request-ID``, like a request Flask answered, and a conditional request whose
``If-None-Match`` names the entry's ETag gets ``304 Not Modified``.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.http import parse_cookie, parse_etags

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]
Headers = list[tuple[str, str]]

CACHEABLE_PATH = re.compile(
    r"^/p/[^/]+/(?:|archive|issues/[^/]+|feed\.xml|atom\.xml|sitemap\.xml|robots\.txt)$"
)
_ARCHIVE_QUERY = re.compile(r"^page=\d{1,6}$")
# Parameters that analytics and mail tools add to shared links; no public page reads them,
# so they are left out of the key (the page is the same with or without them).
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref",
        "ref_src",
        "source",
    }
)
# Headers that belong to one request, not to the page: regenerated on a hit.
_PER_REQUEST_HEADERS = frozenset({"x-request-id", "x-cache", "age"})
_UNCACHEABLE_DIRECTIVES = ("private", "no-store", "no-cache")
# Left out of a 304: they describe a body it does not have.
_BODY_HEADERS = frozenset({"content-length", "content-type", "content-encoding"})


@dataclass(frozen=True)
class CachedResponse:
    """A finished response, kept with the time it was stored."""

    status: str
    headers: Headers
    body: bytes
    stored_at: float


def _request_id(environ: WSGIEnviron) -> str:
    # Same rule as saas.core.observability: keep a sane incoming id, else make one.
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        return incoming
    return uuid.uuid4().hex


def _without_tracking(query: str) -> str | None:
    """The query string without tracking parameters, or None when it cannot be read."""
    if not query:
        return ""
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = pair.split("=", 1)[0].lower()
        if name.startswith("utm_") or name in TRACKING_PARAMETERS:
            continue
        kept.append(pair)
    return "&".join(kept)


class PublicPageCache:
    """WSGI middleware caching anonymous GET/HEAD responses of public pages for a short TTL."""

    def __init__(
        self,
        app: WSGIApp,
        config: Mapping[str, Any],
        max_entries: int = 2_000,
        max_bytes: int = 64 * 1024 * 1024,
        max_entry_bytes: int = 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
        shared: Any = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.config = config
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self.clock = clock
        # The SharedCache every process reads (None: this process's copies only).
        self.shared = shared
        self.wall_clock = wall_clock
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # Told of every GET answered from the cache (insights counts issue page views);
        # a listener that fails is ignored: the reader gets the page regardless.
        self.hit_listeners: list[Callable[[WSGIEnviron], None]] = []

    # --- the cache ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every entry (this process only)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _get(self, key: str, ttl: float, stale_for: float = 0.0) -> CachedResponse | None:
        """The entry if it is younger than `ttl` (+ `stale_for`); older ones are dropped."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            age = self.clock() - entry.stored_at
            if age >= ttl + stale_for:
                del self._entries[key]
                self._bytes -= len(entry.body)
                return None
            if age >= ttl:
                return None  # kept only as a fallback for when the app fails
            self._entries.move_to_end(key)
            return entry

    def _stale(self, key: str, ttl: float, stale_for: float) -> CachedResponse | None:
        """An expired entry still inside the stale-if-error window, if there is one."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or self.clock() - entry.stored_at >= ttl + stale_for:
            return None
        return entry

    def _put(self, key: str, entry: CachedResponse) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)

    # --- the copies every process shares --------------------------------------------------

    def _from_shared(self, key: str, ttl: float) -> CachedResponse | None:
        """Another process's fresh copy, kept here for the rest of its TTL."""
        if self.shared is None:
            return None
        values = self.shared.get_many(["page-cache:" + key])
        raw = values[0] if values else None
        if raw is None:
            return None
        head, _, body = raw.partition(b"\n")
        meta = json.loads(head)
        age = self.wall_clock() - meta["stored"]
        if not 0 <= age < ttl:
            return None
        entry = CachedResponse(
            meta["status"], [tuple(h) for h in meta["headers"]], body, self.clock() - age
        )
        self._put(key, entry)
        return entry

    def _to_shared(self, key: str, entry: CachedResponse, ttl: float) -> None:
        if self.shared is None:
            return
        meta = {"status": entry.status, "headers": entry.headers, "stored": self.wall_clock()}
        raw = json.dumps(meta).encode() + b"\n" + entry.body
        self.shared.set("page-cache:" + key, raw, ttl=max(1, int(ttl)))

    # --- what may be cached ---------------------------------------------------------------

    def _ttl(self) -> float:
        try:
            return float(self.config.get("PUBLIC_CACHE_SECONDS") or 0)
        except (TypeError, ValueError):
            return 0.0

    def _stale_for(self) -> float:
        try:
            return float(self.config.get("PUBLIC_CACHE_STALE_SECONDS") or 0)
        except (TypeError, ValueError):
            return 0.0

    def _key(self, environ: WSGIEnviron) -> str | None:
        """The cache key for a cacheable request, or None to pass it straight through."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        path = environ.get("PATH_INFO") or "/"
        if not CACHEABLE_PATH.match(path):
            return None
        query = _without_tracking(environ.get("QUERY_STRING") or "")
        if query is None:
            return None
        if query and not (path.endswith("/archive") and _ARCHIVE_QUERY.match(query)):
            return None
        if environ.get("HTTP_AUTHORIZATION"):
            return None
        cookie_header = environ.get("HTTP_COOKIE")
        if cookie_header:
            cookies = parse_cookie(cookie_header)
            private = (
                self.config.get("SESSION_COOKIE_NAME") or "session",
                self.config.get("REMEMBER_COOKIE_NAME") or "remember_token",
            )
            if any(name in cookies for name in private):
                return None
        host = (environ.get("HTTP_HOST") or environ.get("SERVER_NAME") or "").lower()
        scheme = environ.get("wsgi.url_scheme", "http")
        script = environ.get("SCRIPT_NAME") or ""
        return f"{scheme}://{host}{script}{path}?{query}"

    @staticmethod
    def _storable(status: str, headers: Headers) -> bool:
        if not status.startswith("200"):
            return False
        for name, value in headers:
            lowered = name.lower()
            if lowered == "set-cookie":
                return False
            if lowered == "cache-control" and any(
                directive in value.lower() for directive in _UNCACHEABLE_DIRECTIVES
            ):
                return False
            if lowered == "vary" and any(
                part.strip().lower() not in ("cookie", "") for part in value.split(",")
            ):
                return False
        return True

    # --- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        ttl = self._ttl()
        key = self._key(environ) if ttl > 0 else None
        if key is None:
            return self.app(environ, start_response)

        head = environ["REQUEST_METHOD"] == "HEAD"
        stale_for = self._stale_for()
        entry = self._get(key, ttl, stale_for) or self._from_shared(key, ttl)
        if entry is not None:
            if not head:
                self._tell_listeners(environ)
            return self._answer(entry, environ, start_response, "HIT", head)
        if head:
            # A HEAD answer has no body to keep; let the app answer it.
            def miss(status: str, headers: Headers, exc_info: Any = None) -> Callable:
                return start_response(status, [*headers, ("X-Cache", "MISS")], exc_info)

            return self.app(environ, miss)
        stale = self._stale(key, ttl, stale_for) if stale_for > 0 else None
        return self._fill(key, environ, start_response, stale)

    def _tell_listeners(self, environ: WSGIEnviron) -> None:
        for listener in self.hit_listeners:
            try:
                listener(environ)
            except Exception:  # noqa: S112  (counting must never cost a reader the page)
                continue

    def _answer(
        self,
        entry: CachedResponse,
        environ: WSGIEnviron,
        start_response: StartResponse,
        how: str,
        head: bool = False,
    ) -> Iterable[bytes]:
        age = int(self.clock() - entry.stored_at)
        per_request = [
            ("X-Request-ID", _request_id(environ)),
            ("X-Cache", how),
            ("Age", str(age)),
        ]
        if how == "HIT" and self._not_modified(entry, environ):
            kept = [(n, v) for n, v in entry.headers if n.lower() not in _BODY_HEADERS]
            start_response("304 NOT MODIFIED", [*kept, *per_request])
            return []
        start_response(entry.status, [*entry.headers, *per_request])
        return [] if head else [entry.body]

    @staticmethod
    def _not_modified(entry: CachedResponse, environ: WSGIEnviron) -> bool:
        wanted = environ.get("HTTP_IF_NONE_MATCH")
        if not wanted:
            return False
        etag = next((v for n, v in entry.headers if n.lower() == "etag"), None)
        if etag is None:
            return False
        value = etag.removeprefix("W/").strip('"')
        return parse_etags(wanted).contains_weak(value)

    def _fill(
        self,
        key: str,
        environ: WSGIEnviron,
        start_response: StartResponse,
        stale: CachedResponse | None = None,
    ) -> Iterable[bytes]:
        """Run the app, buffer its answer, keep it if it may be shared, and pass it on.

        When the app fails (a 5xx, or an exception) and an expired copy is still inside the
        stale-if-error window, the reader gets that copy instead (`X-Cache: STALE`).
        """
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Callable:
            captured.update(status=status, headers=list(headers), exc_info=exc_info)
            return chunks.append

        try:
            iterable = self.app(environ, capture)
            try:
                for chunk in iterable:
                    chunks.append(chunk)
            finally:
                close = getattr(iterable, "close", None)
                if close is not None:
                    close()
        except Exception:
            if stale is None:
                raise
            return self._answer(stale, environ, start_response, "STALE")
        if stale is not None and str(captured.get("status", "500")).startswith("5"):
            return self._answer(stale, environ, start_response, "STALE")

        if "status" not in captured:
            raise RuntimeError("WSGI app returned without calling start_response")
        status: str = captured["status"]
        headers: Headers = captured["headers"]
        body = b"".join(chunks)
        if (
            captured["exc_info"] is None
            and len(body) <= self.max_entry_bytes
            and self._storable(status, headers)
        ):
            kept = [(n, v) for n, v in headers if n.lower() not in _PER_REQUEST_HEADERS]
            entry = CachedResponse(status, kept, body, self.clock())
            self._put(key, entry)
            self._to_shared(key, entry, self._ttl())
        start_response(status, [*headers, ("X-Cache", "MISS")], captured["exc_info"])
        return [body]
