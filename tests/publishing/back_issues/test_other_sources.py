"""Ghost, WordPress and any RSS/Atom feed: each field the format carries lands on the issue."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser

from saas.publishing.models import AUDIENCE_EVERYONE, AUDIENCE_PAID
from tests.conftest import csrf_token
from tests.publishing.back_issues.exports import ghost_json, rss, wxr
from tests.publishing.back_issues.helpers import (
    import_all,
    import_url,
    issues_of,
    latest_import,
    start,
)


def test_ghost_export(app, client, pub, images):
    import_all(app, client, pub, ghost_json(images.base), "ghost.json")
    issues = issues_of(app, pub)
    assert [(i.number, i.title, i.slug) for i in issues] == [
        (1, "Roots", "roots"),
        (2, "Members corner", "members-corner"),
        (3, "Lexical only", "lexical-only"),
    ]
    roots, members, lexical = issues
    assert roots.published_at == datetime(2022, 4, 1, 10, tzinfo=UTC)
    assert roots.subtitle == "Where it began"
    assert (roots.audience, members.audience) == (AUDIENCE_EVERYONE, AUDIENCE_PAID)
    assert roots.feed_guid == "64a1"
    # The feature image became the cover, copied to Tend.
    assert roots.cover_image_url and images.base not in roots.cover_image_url
    # The members-only break is the paywall break: the preview stops above it.
    assert "Free part." in members.preview_html and "Paid part." not in members.preview_html
    assert "Paid part." in members.body_html
    # A post with only Lexical content is rendered from it, its paywall card the break.
    assert "<strong>bold</strong>" in lexical.body_html
    assert "&lt;b&gt;escaped&lt;/b&gt;" in lexical.body_html
    assert '<a href="https://example.org/"' in lexical.body_html
    assert "<ol><li>breathe</li><li>rest</li></ol>" in lexical.body_html
    assert "<em>emphasis</em>" in lexical.body_html
    assert "Members read on." in lexical.body_html
    assert "Members read on." not in lexical.preview_html and "breathe" in lexical.preview_html
    report = latest_import(app, pub)
    assert sorted(report.skipped) == [
        [
            "Mobiledoc only",
            "no html in the export (only mobiledoc content, which Tend does not render)",
        ],
        ["Someday", "not published on Ghost (status: draft)"],
    ]


def test_wordpress_export(app, client, pub, images):
    import_all(app, client, pub, wxr(images.base), "wordpress.xml")
    issues = issues_of(app, pub)
    assert [(i.number, i.title, i.slug) for i in issues] == [
        (1, "Hello world", "hello-world"),
        (2, "Second & last", "second"),
    ]
    hello, second = issues
    assert hello.published_at == datetime(2019, 7, 5, 3, 30, tzinfo=UTC)  # the GMT date
    assert hello.subtitle == "A short excerpt"
    assert hello.cover_image_url and images.base not in hello.cover_image_url
    assert images.hits["/img/4.jpg"] == 1 and images.hits["/img/3.jpg"] == 1
    # The body passes the Markdown renderer untouched: a <pre> keeps its blank line and
    # indent, asterisks and straight quotes stay as written.
    assert "line one\n\n    indented" in hello.body_html
    assert "*post*" in second.body_html and '"quotes"' in second.body_text
    assert latest_import(app, pub).skipped == [
        ["Not yet", "not published on WordPress (status: draft)"]
    ]


def test_rss_feed_upload_numbers_oldest_first_and_keeps_guids(app, client, pub, images):
    import_all(app, client, pub, rss(images.base), "feed.xml")
    issues = issues_of(app, pub)
    assert [(i.number, i.title) for i in issues] == [(1, "First"), (2, "Second"), (3, "Third")]
    assert issues[0].published_at == datetime(2020, 2, 3, 10, tzinfo=UTC)
    assert issues[0].feed_guid == "tag:old.example.com,2020:1"
    assert images.base not in issues[2].body_html
    # Tend's own feed gives each imported item the guid the old feed gave it.
    feed = feedparser.parse(client.get(f"/p/{pub.slug}/feed.xml").data)
    assert {entry.id for entry in feed.entries} == {
        "tag:old.example.com,2020:1",
        "tag:old.example.com,2020:2",
        "tag:old.example.com,2020:3",
    }
    atom = feedparser.parse(client.get(f"/p/{pub.slug}/atom.xml").data)
    assert "tag:old.example.com,2020:3" in {entry.id for entry in atom.entries}


def test_native_issues_keep_their_link_as_guid(app, client, pub, factories):
    factories.issue(pub, title="Written here", slug="written-here", publish=True)
    feed = feedparser.parse(client.get(f"/p/{pub.slug}/feed.xml").data)
    assert feed.entries[0].id.endswith("/issues/written-here")


def test_feed_fetched_from_its_address(app, client, pub, images):
    images.files["/feed.xml"] = rss(images.base)
    url = import_url(pub)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "feed_url": f"{images.base}/feed.xml",
            "fetch_images": "y",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    start(app, client, response.headers["Location"])
    assert [i.title for i in issues_of(app, pub)] == ["First", "Second", "Third"]
    assert latest_import(app, pub).filename == f"{images.base}/feed.xml"


def test_ghost_images_at_its_placeholder_address_are_reported(app, client, pub, images):
    export = ghost_json(images.base).replace(
        f"{images.base}/img/2.jpg".encode(), b"__GHOST_URL__/content/images/roots.jpg"
    )
    import_all(app, client, pub, export, "ghost.json")
    roots = issues_of(app, pub)[0]
    assert roots.cover_image_url == ""
    assert latest_import(app, pub).image_failures == [
        [
            "Roots",
            "__GHOST_URL__/content/images/roots.jpg",
            "not a full address, so it could not be fetched",
        ]
    ]
