"""Any RSS or Atom feed with full content, read by feedparser (after defusedxml's entity check).

Each entry's id (its guid) is the source key, so the same feed imported twice matches; the
entry's link gives the old path. A feed says nothing of paid posts: all come in free.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser

from saas.core import outbound_http
from saas.publishing.back_issues import safe_xml
from saas.publishing.back_issues.sources import FEED, Post, SourceRefused

FETCH_TIMEOUT = 30.0


def fetch(url: str, max_bytes: int) -> bytes:
    """A feed's body from `url` through the SSRF-safe client; SourceRefused when not had."""
    limits = outbound_http.Limits(total_timeout=FETCH_TIMEOUT, max_body=max_bytes)
    try:
        response = outbound_http.request(
            "GET",
            url,
            headers={"Accept": "application/rss+xml, application/atom+xml, */*"},
            limits=limits,
        )
    except outbound_http.OutboundError as exc:
        raise SourceRefused(str(exc)) from exc
    if response.is_redirect:
        where = response.headers.get("location", "elsewhere")
        raise SourceRefused(f"The feed moved to {where}: enter that address instead.")
    if not response.ok:
        raise SourceRefused(f"The feed's server answered {response.status} {response.reason}.")
    if response.truncated:
        raise SourceRefused(f"The feed is larger than {max_bytes // 1_048_576} MB.")
    return response.body


def _when(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def _body(entry) -> str:
    for content in entry.get("content") or []:
        if content.get("value"):
            return content["value"]
    return entry.get("summary", "")


def _cover(entry) -> str:
    for media in (*entry.get("media_content", []), *entry.get("media_thumbnail", [])):
        if media.get("url") and (media.get("medium") in (None, "image")):
            return media["url"]
    for enclosure in entry.get("enclosures", []):
        if (enclosure.get("type") or "").startswith("image/") and enclosure.get("href"):
            return enclosure["href"]
    return ""


def read_posts(content: bytes, publication) -> list[Post]:
    """The entries of an RSS/Atom feed; raises SourceRefused."""
    safe_xml.refuse_entities(content)
    parsed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=True)
    if not parsed.entries:
        if parsed.bozo:
            raise SourceRefused("This is not a feed Tend can read (malformed XML).")
        raise SourceRefused("The feed has no items.")
    posts = []
    for entry in parsed.entries:
        link = entry.get("link", "")
        key = entry.get("id") or link
        if not key:
            continue
        path = urlsplit(link).path if link else ""
        post = Post(
            source_key=f"{FEED}:{key}"[:500],
            title=(entry.get("title") or "").strip() or "Untitled",
            html=_body(entry),
            published_at=_when(entry),
            slug=[part for part in path.split("/") if part][-1] if path.strip("/") else "",
            subtitle=(entry.get("subtitle") or "").strip(),
            old_path=path,
            feed_guid=entry.get("id", "")[:500],
            cover_url=_cover(entry),
        )
        if not post.html.strip():
            post.skip_reason = "no content in the feed (only full-content feeds can be imported)"
        posts.append(post)
    return posts
