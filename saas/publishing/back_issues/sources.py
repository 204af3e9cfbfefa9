"""What every source format yields (a Post), and which format a file is.

A reader raises SourceRefused with a message for the practitioner when a file is not what
it claims, is malformed or unsafe; nothing has been written then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

SUBSTACK = "substack"
FEED = "feed"
WORDPRESS = "wordpress"
GHOST = "ghost"
FORMAT_LABELS = {
    SUBSTACK: "Substack export",
    FEED: "RSS/Atom feed",
    WORDPRESS: "WordPress export (WXR)",
    GHOST: "Ghost export (JSON)",
}


class SourceRefused(ValueError):
    """The file cannot be imported; the message says why, for the practitioner."""


@dataclass
class Post:
    """One post of an old platform, as every format reads it."""

    source_key: str  # unique within the publication: "<format>:<id or URL>"
    title: str
    html: str  # as the source has it; sanitised later by bodies.stored_source
    published_at: datetime | None
    slug: str = ""
    subtitle: str = ""
    paid: bool = False
    old_path: str = ""  # the path on the old site, for redirects
    feed_guid: str = ""  # the id the old feed gave the post
    cover_url: str = ""
    # Why the post is not imported (a draft, no body); None for a post that is.
    skip_reason: str | None = None


def aware(moment: datetime | None) -> datetime | None:
    """A datetime in UTC (a naive one is taken as UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def in_original_order(posts: list[Post]) -> list[Post]:
    """Oldest first, posts without a date last, the file's order kept among equals."""
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(posts, key=lambda post: post.published_at or far)


def detect(filename: str, content: bytes) -> str:
    """The format of an uploaded file, from its first bytes (the name only breaks ties)."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if content[:4] == b"PK\x03\x04":
        return SUBSTACK
    if head.startswith((b"{", b"[")):
        return GHOST
    if head.startswith(b"<"):
        if b"wordpress.org/export/" in content[:65536]:
            return WORDPRESS
        return FEED
    raise SourceRefused(
        "This is not an export Tend can read: upload Substack's zip, Ghost's JSON, "
        "WordPress's XML export or an RSS/Atom feed."
    )
