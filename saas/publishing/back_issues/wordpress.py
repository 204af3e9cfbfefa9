"""WordPress's export (WXR), read with defusedxml: published posts, their featured images.

Pages, attachments and other post types are left out (attachments only give covers);
drafts and private posts are listed as skipped. WordPress has no paid posts: all are free.
The old path is the default date permalink, `/YYYY/MM/DD/<slug>/`, from the post's local
date (the one WordPress builds it from).
"""

from __future__ import annotations

from datetime import datetime

from saas.publishing.back_issues import safe_xml
from saas.publishing.back_issues.sources import WORDPRESS, Post, SourceRefused, aware

CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
EXCERPT_PREFIX = "{http://wordpress.org/export/"


def _wp_namespace(root) -> str:
    for element in root.iter():
        tag = element.tag
        if (
            isinstance(tag, str)
            and tag.startswith("{http://wordpress.org/export/")
            and ("/excerpt/" not in tag)
        ):
            return tag.split("}")[0] + "}"
    raise SourceRefused("This XML is not a WordPress export (no wp: fields).")


def _date(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def read_posts(content: bytes, publication) -> list[Post]:
    """The posts of a WXR file; raises SourceRefused."""
    root = safe_xml.parse(content, "WordPress export")
    wp = _wp_namespace(root)
    items = root.findall("./channel/item")

    def text(item, tag: str) -> str:
        return (item.findtext(tag) or "").strip()

    attachments = {
        text(item, f"{wp}post_id"): text(item, f"{wp}attachment_url")
        for item in items
        if text(item, f"{wp}post_type") == "attachment"
    }
    posts = []
    for item in items:
        if text(item, f"{wp}post_type") != "post":
            continue
        post_id = text(item, f"{wp}post_id")
        slug = text(item, f"{wp}post_name")
        local = _date(text(item, f"{wp}post_date"))
        gmt = _date(text(item, f"{wp}post_date_gmt"))
        meta = {
            text(m, f"{wp}meta_key"): text(m, f"{wp}meta_value")
            for m in item.findall(f"{wp}postmeta")
        }
        excerpt = next(
            (
                (child.text or "").strip()
                for child in item
                if child.tag.startswith(EXCERPT_PREFIX) and "/excerpt/" in child.tag
            ),
            "",
        )
        post = Post(
            source_key=f"{WORDPRESS}:{post_id or text(item, 'guid')}",
            title=text(item, "title") or "Untitled",
            html=item.findtext(CONTENT) or "",
            published_at=aware(gmt or local),
            slug=slug,
            subtitle=excerpt if "<" not in excerpt else "",
            old_path=f"/{local:%Y/%m/%d}/{slug}/" if local and slug else "",
            feed_guid=text(item, "guid")[:500],
            cover_url=attachments.get(meta.get("_thumbnail_id", ""), ""),
        )
        status = text(item, f"{wp}status")
        if status != "publish":
            post.skip_reason = f"not published on WordPress (status: {status or 'none'})"
        elif not post.html.strip():
            post.skip_reason = "no body in the export"
        posts.append(post)
    if not posts and not items:
        raise SourceRefused("The WordPress export holds no items.")
    return posts
