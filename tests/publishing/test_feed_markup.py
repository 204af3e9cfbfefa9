"""Feeds carry what practitioners type to readers' feed apps: as text, never as live markup.

A practitioner (or an editor they invited) can type anything into a publication's name,
tagline and about text, or an issue's title, subtitle, description and body. The feeds are
read with feedparser without its own clean-up (many feed apps have none) and every field is
rendered the way a feed app would: RSS gives no reliable type, so each RSS field is read as
HTML; Atom declares its types, so each Atom field is read as what it says it is.
"""

from __future__ import annotations

import feedparser
import pytest

from tests.live_markup import rendered

HOSTILE_NAME = 'Odd <svg onload=alert("name")>'
HOSTILE_TAGLINE = "<img src=x onerror=alert('tagline')>"
HOSTILE_ABOUT = "<script>alert('about')</script>"
HOSTILE_AUTHOR = "<svg/onload=alert('author')>"
HOSTILE_TITLE = "<b onmouseover=alert('title')>Tom</b> & <script>alert(1)</script>"
HOSTILE_SUBTITLE = "<svg onload=alert('subtitle')>"
HOSTILE_SEO = "<a href=javascript:alert('seo')>click</a>"
HOSTILE_BODY = (
    "Words <svg onload=alert(8)></svg> and <script>alert(9)</script>\n\n"
    '<a href="javascript:alert(10)">a link</a> <img src=x onerror=alert(11)>\n\n'
    "Typed as text: \\<svg onload=alert(12)\\>\n"
)


@pytest.fixture()
def hostile(app, factories):
    pub = factories.publication(
        slug="hostile",
        name=HOSTILE_NAME,
        tagline=HOSTILE_TAGLINE,
        about=HOSTILE_ABOUT,
        author_name=HOSTILE_AUTHOR,
    )
    factories.issue(
        pub,
        title=HOSTILE_TITLE,
        subtitle=HOSTILE_SUBTITLE,
        body_markdown=HOSTILE_BODY,
        publish=True,
    )
    factories.issue(pub, title="Seo", seo_description=HOSTILE_SEO, publish=True)
    factories.issue(pub, title="Only a body", body_markdown=HOSTILE_BODY, publish=True)
    return pub


def _rss_fields(feed) -> list[tuple[str, object]]:
    fields = [("channel title", feed.feed.title_detail), ("channel", feed.feed.subtitle_detail)]
    for n, entry in enumerate(feed.entries):
        fields += [(f"item {n} title", entry.title_detail), (f"item {n}", entry.summary_detail)]
        fields += [(f"item {n} content", content) for content in entry.get("content", [])]
    return fields


def test_hostile_text_reaches_rss_readers_as_text(client, hostile):
    feed = feedparser.parse(client.get("/p/hostile/feed.xml").data, sanitize_html=False)
    assert feed.version == "rss20" and not feed.bozo
    seen = {}
    for where, detail in _rss_fields(feed):
        live, text = rendered(detail.value, as_html=True)
        assert live == [], f"{where} renders live markup: {detail.value!r}"
        seen[where] = text
    assert seen["channel title"] == HOSTILE_NAME
    assert seen["channel"] == HOSTILE_TAGLINE
    titles = sorted(text for where, text in seen.items() if where.endswith("title"))
    assert f"Issue 1: {HOSTILE_TITLE}" in titles
    assert HOSTILE_SUBTITLE in seen.values() and HOSTILE_SEO in seen.values()
    assert "Typed as text: <svg onload=alert(12)>" in seen["item 0"]
    assert "a link" in seen["item 0 content"]
    assert HOSTILE_ABOUT not in str(seen)


def _atom_fields(feed) -> list[tuple[str, object]]:
    fields = [("feed title", feed.feed.title_detail), ("feed subtitle", feed.feed.subtitle_detail)]
    for n, entry in enumerate(feed.entries):
        fields += [(f"entry {n} title", entry.title_detail), (f"entry {n}", entry.summary_detail)]
        fields += [(f"entry {n} content", content) for content in entry.get("content", [])]
    return fields


def test_hostile_text_reaches_atom_readers_as_text(client, hostile):
    feed = feedparser.parse(client.get("/p/hostile/atom.xml").data, sanitize_html=False)
    assert feed.version == "atom10" and not feed.bozo
    seen = {}
    for where, detail in _atom_fields(feed):
        live, text = rendered(detail.value, as_html=detail.type != "text/plain")
        assert live == [], f"{where} renders live markup: {detail.value!r}"
        seen[where] = text
    assert seen["feed title"] == HOSTILE_NAME
    assert seen["feed subtitle"] == HOSTILE_TAGLINE
    assert feed.feed.author_detail.name == HOSTILE_AUTHOR  # a name: plain text in Atom
    assert f"Issue 1: {HOSTILE_TITLE}" in seen.values()
    assert HOSTILE_SUBTITLE in seen.values() and HOSTILE_SEO in seen.values()
    assert "Typed as text: <svg onload=alert(12)>" in seen["entry 0"]
    assert "a link" in seen["entry 0 content"]
    assert HOSTILE_ABOUT not in str(seen)


def test_ordinary_titles_read_the_same_in_every_feed_app(client, factories):
    pub = factories.publication(slug="plain-words", name="Rest & Repair")
    factories.issue(pub, title="Q&A: what's next", subtitle="Tips & tricks", publish=True)
    rss = feedparser.parse(client.get("/p/plain-words/feed.xml").data, sanitize_html=False)
    assert rss.feed.title == "Rest & Repair"
    assert rss.entries[0].title == "Issue 1: Q&A: what's next"
    assert rendered(rss.entries[0].summary, as_html=True)[1] == "Tips & tricks"
