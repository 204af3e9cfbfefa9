"""Exports as the old platforms write them, made for these tests: Substack's zip, Ghost's JSON,
WordPress's WXR and an RSS feed, each with dates, paid flags, images, embeds and footnotes.

`images` is the base address of the test image server (tests.publishing.back_issues.images).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

FOOTNOTE = (
    '<p>A claim.<sup><a href="#footnote-1" id="footnote-anchor-1">1</a></sup></p>'
    '<div class="footnote"><a id="footnote-1" href="#footnote-anchor-1">1</a>'
    "<div><p>The source of the claim.</p></div></div>"
)
EMBED = (
    '<iframe src="https://www.youtube-nocookie.com/embed/x" width="560"></iframe>'
    "<script>alert('embed')</script>"
)


def substack_zip(images: str) -> bytes:
    """posts.csv (three published posts, one paid, one draft) and posts/<id>.<slug>.html."""
    rows = [
        (
            "1001.first-light",
            "2021-01-05T09:00:00.000Z",
            "true",
            "everyone",
            "First light",
            "Why I started",
            f'<p>Hello <em>readers</em>.</p><img src="{images}/img/1.jpg" alt="Dawn">' + FOOTNOTE,
        ),
        (
            "1002.the-paid-one",
            "2021-02-10T09:00:00.000Z",
            "true",
            "only_paid",
            "The paid one",
            "",
            f'<p>For supporters.</p>{EMBED}<img src="{images}/missing.jpg" alt="Gone">',
        ),
        (
            "1003.spring",
            "2021-03-15T08:30:00.000Z",
            "true",
            "everyone",
            "Spring",
            "Growing",
            '<p onclick="steal()">Spring is <a href="javascript:alert(1)">here</a>.</p>',
        ),
        ("1004.unfinished", "", "false", "everyone", "Unfinished", "", "<p>Draft</p>"),
    ]
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(
        [
            "post_id",
            "post_date",
            "is_published",
            "email_sent_at",
            "inbox_sent_at",
            "type",
            "audience",
            "title",
            "subtitle",
            "podcast_url",
        ]
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for post_id, date, published, audience, title, subtitle, html in rows:
            writer.writerow(
                [post_id, date, published, date, "", "newsletter", audience, title, subtitle, ""]
            )
            archive.writestr(f"posts/{post_id}.html", html)
        archive.writestr("posts.csv", table.getvalue())
    return out.getvalue()


def _lexical_text(text: str, format_bits: int = 0) -> dict:
    return {"type": "extended-text", "text": text, "format": format_bits}


# A Ghost 5 Lexical document: formatted text, a link, a list, an image, a Markdown card,
# the paywall card, a card Tend leaves out (a bookmark) and text after the paywall.
LEXICAL = {
    "root": {
        "type": "root",
        "children": [
            {
                "type": "paragraph",
                "children": [
                    _lexical_text("Plain, "),
                    _lexical_text("bold", 1),
                    _lexical_text(" and <b>escaped</b> "),
                    {
                        "type": "link",
                        "url": "https://example.org/",
                        "children": [_lexical_text("a link")],
                    },
                ],
            },
            {"type": "extended-heading", "tag": "h2", "children": [_lexical_text("Steps")]},
            {
                "type": "list",
                "listType": "number",
                "tag": "ol",
                "children": [
                    {"type": "listitem", "children": [_lexical_text("breathe")]},
                    {"type": "listitem", "children": [_lexical_text("rest")]},
                ],
            },
            {"type": "markdown", "markdown": "Some *emphasis* here."},
            {"type": "bookmark", "url": "https://example.org/"},
            {"type": "paywall"},
            {"type": "paragraph", "children": [_lexical_text("Members read on.")]},
        ],
    }
}


def ghost_json(images: str) -> bytes:
    """A Ghost 5 export: a free post with a feature image, a paid post with a members-only
    break, a post with only Lexical content, one with only mobiledoc, a draft and a page."""
    posts = [
        {
            "id": "64a1",
            "uuid": "u-1",
            "title": "Roots",
            "slug": "roots",
            "type": "post",
            "status": "published",
            "visibility": "public",
            "published_at": "2022-04-01T10:00:00.000Z",
            "custom_excerpt": "Where it began",
            "feature_image": f"{images}/img/2.jpg",
            "html": "<p>Roots run deep.</p>" + FOOTNOTE,
        },
        {
            "id": "64a2",
            "uuid": "u-2",
            "title": "Members corner",
            "slug": "members-corner",
            "type": "post",
            "status": "published",
            "visibility": "paid",
            "published_at": "2022-05-01T10:00:00.000Z",
            "feature_image": None,
            "html": "<p>Free part.</p><!--members-only--><p>Paid part.</p>",
        },
        {
            "id": "64a3",
            "uuid": "u-3",
            "title": "Lexical only",
            "slug": "lexical-only",
            "type": "post",
            "status": "published",
            "visibility": "public",
            "published_at": "2022-06-01T10:00:00.000Z",
            "html": None,
            "lexical": json.dumps(LEXICAL),
        },
        {
            "id": "64a6",
            "uuid": "u-6",
            "title": "Mobiledoc only",
            "slug": "mobiledoc-only",
            "type": "post",
            "status": "published",
            "visibility": "public",
            "published_at": "2022-07-01T10:00:00.000Z",
            "html": "",
            "mobiledoc": '{"version":"0.3.1","sections":[]}',
        },
        {
            "id": "64a4",
            "uuid": "u-4",
            "title": "Someday",
            "slug": "someday",
            "type": "post",
            "status": "draft",
            "visibility": "public",
            "published_at": None,
            "html": "<p>x</p>",
        },
        {
            "id": "64a5",
            "uuid": "u-5",
            "title": "About",
            "slug": "about",
            "type": "page",
            "status": "published",
            "html": "<p>About me</p>",
        },
    ]
    return json.dumps({"db": [{"meta": {"version": "5.80.0"}, "data": {"posts": posts}}]}).encode()


def wxr(images: str) -> bytes:
    """A WordPress export: two published posts (one with a featured image), a draft, a page
    and the attachment the featured image is."""

    def item(post_id, title, slug, local, gmt, status, body, kind="post", extra=""):
        return f"""<item>
  <title>{title}</title>
  <link>https://old.example.com/{local[:10].replace("-", "/")}/{slug}/</link>
  <guid isPermaLink="false">https://old.example.com/?p={post_id}</guid>
  <content:encoded><![CDATA[{body}]]></content:encoded>
  <excerpt:encoded><![CDATA[A short excerpt]]></excerpt:encoded>
  <wp:post_id>{post_id}</wp:post_id>
  <wp:post_date><![CDATA[{local}]]></wp:post_date>
  <wp:post_date_gmt><![CDATA[{gmt}]]></wp:post_date_gmt>
  <wp:post_name><![CDATA[{slug}]]></wp:post_name>
  <wp:status><![CDATA[{status}]]></wp:status>
  <wp:post_type><![CDATA[{kind}]]></wp:post_type>
  {extra}
</item>"""

    thumb = (
        "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
        "<wp:meta_value>90</wp:meta_value></wp:postmeta>"
    )
    items = [
        item(
            11,
            "Hello world",
            "hello-world",
            "2019-07-04 23:30:00",
            "2019-07-05 03:30:00",
            "publish",
            f'<p>First post.</p>\n\n<img src="{images}/img/3.jpg" alt="">\n\n'
            "<pre>line one\n\n    indented</pre>",
            extra=thumb,
        ),
        item(
            12,
            "Second &amp; last",
            "second",
            "2019-08-01 09:00:00",
            "2019-08-01 13:00:00",
            "publish",
            '<p>Second *post* with "quotes".</p>' + FOOTNOTE,
        ),
        item(
            13,
            "Not yet",
            "not-yet",
            "2019-09-01 09:00:00",
            "0000-00-00 00:00:00",
            "draft",
            "<p>Draft</p>",
        ),
        item(
            14,
            "About",
            "about",
            "2019-01-01 09:00:00",
            "2019-01-01 13:00:00",
            "publish",
            "<p>Page</p>",
            kind="page",
        ),
        item(
            90,
            "cover",
            "cover",
            "2019-07-04 23:00:00",
            "2019-07-05 03:00:00",
            "inherit",
            "",
            kind="attachment",
            extra=f"<wp:attachment_url>{images}/img/4.jpg</wp:attachment_url>",
        ),
    ]
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"
  xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Old blog</title>
  <link>https://old.example.com</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  {"".join(items)}
</channel>
</rss>""".encode()


def rss(images: str) -> bytes:
    """A full-content RSS 2.0 feed of three posts (newest first, as feeds list them)."""
    entries = [
        (
            "tag:old.example.com,2020:3",
            "Third",
            "https://old.example.com/third",
            "Fri, 03 Apr 2020 10:00:00 +0000",
            f'<p>Three.</p><img src="{images}/img/5.jpg">',
        ),
        (
            "tag:old.example.com,2020:2",
            "Second",
            "https://old.example.com/second",
            "Tue, 03 Mar 2020 10:00:00 +0000",
            "<p>Two.</p>",
        ),
        (
            "tag:old.example.com,2020:1",
            "First",
            "https://old.example.com/first",
            "Mon, 03 Feb 2020 10:00:00 +0000",
            "<p>One.</p>",
        ),
    ]
    items = "".join(
        f"""<item><title>{title}</title><link>{link}</link>
<guid isPermaLink="false">{guid}</guid><pubDate>{date}</pubDate>
<content:encoded><![CDATA[{body}]]></content:encoded></item>"""
        for guid, title, link, date, body in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Old feed</title><link>https://old.example.com</link>
<description>d</description>{items}</channel></rss>""".encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&lol4;</title>
</channel></rss>"""


def zip_with(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding `entries` (name -> bytes), names taken as given (`../` included)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return out.getvalue()
