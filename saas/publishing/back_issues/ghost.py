"""Ghost's JSON export: posts (not pages) with their `html`.

Supported: the `html` field Ghost stores beside its editor formats (every export since
Ghost 1.0 has it). When `html` is empty, a Lexical document is rendered (ghost_lexical: text,
lists, links, images, code, HTML and Markdown cards; other cards left out); a post with only
mobiledoc is listed as skipped with that reason. `visibility` paid/members/tiers -> a paid
issue; `<!--members-only-->` becomes the paywall break; `feature_image` the cover.
"""

from __future__ import annotations

import json
from datetime import datetime

from saas.publishing.back_issues import ghost_lexical
from saas.publishing.back_issues.sources import GHOST, Post, SourceRefused, aware

PAID_VISIBILITY = {"paid", "members", "tiers"}
GHOST_PAYWALL = "<!--members-only-->"


def _date(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _posts_of(document) -> list:
    """The posts list, wherever the export version put it."""
    if isinstance(document, dict) and isinstance(document.get("db"), list) and document["db"]:
        document = document["db"][0]
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("posts"), list):
        raise SourceRefused("This JSON is not a Ghost export (no db[0].data.posts).")
    return data["posts"]


def _from_editor_formats(post: Post, raw: dict) -> None:
    """The body from Lexical when the export has no html; otherwise why the post is skipped."""
    if raw.get("lexical"):
        try:
            html = ghost_lexical.to_html(raw["lexical"])
        except ghost_lexical.LexicalUnreadable:
            html = ""
        if html.strip():
            post.html = html.replace(GHOST_PAYWALL, "\n<!-- paywall -->\n")
            return
    if raw.get("mobiledoc"):
        post.skip_reason = (
            "no html in the export (only mobiledoc content, which Tend does not render)"
        )
    else:
        post.skip_reason = "no body in the export"


def read_posts(content: bytes, publication) -> list[Post]:
    """The posts of a Ghost export; raises SourceRefused."""
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceRefused("The file is not valid JSON.") from exc
    posts = []
    for raw in _posts_of(document):
        if not isinstance(raw, dict) or raw.get("type", "post") != "post":
            continue
        slug = str(raw.get("slug") or "")
        html = raw.get("html") or ""
        post = Post(
            source_key=f"{GHOST}:{raw.get('uuid') or raw.get('id')}",
            title=str(raw.get("title") or "Untitled"),
            html=html.replace(GHOST_PAYWALL, "\n<!-- paywall -->\n"),
            published_at=_date(raw.get("published_at")) or _date(raw.get("created_at")),
            slug=slug,
            subtitle=str(raw.get("custom_excerpt") or ""),
            paid=raw.get("visibility") in PAID_VISIBILITY,
            old_path=f"/{slug}/" if slug else "",
            # Ghost's feed gives each item the post's id as its guid.
            feed_guid=str(raw.get("id") or ""),
            cover_url=str(raw.get("feature_image") or ""),
        )
        if raw.get("status") != "published":
            post.skip_reason = f"not published on Ghost (status: {raw.get('status')})"
        elif not html.strip():
            _from_editor_formats(post, raw)
        posts.append(post)
    return posts
