"""The public archive: home, pagination, issue pages, feeds, sitemap, friendly 404s."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest


@pytest.fixture()
def site(app, factories):
    pub = factories.publication(
        slug="calm",
        name="Calm Letters",
        tagline="On rest",
        about="I write about rest.",
        sign_off="Warmly, Jo",
        author_name="Jo Rivers",
    )
    issues = [factories.issue(pub, title=f"Letter {n}", publish=True) for n in range(1, 16)]
    draft = factories.issue(pub, title="Secret draft")
    return pub, issues, draft


def test_home_shows_about_and_latest_issues(client, site):
    pub, issues, draft = site
    html = client.get("/p/calm/").get_data(as_text=True)
    assert "I write about rest." in html and "On rest" in html
    assert "Letter 15" in html and "Letter 11" in html and "Letter 10" not in html
    assert "Secret draft" not in html


def test_archive_paginates(client, site):
    first = client.get("/p/calm/archive").get_data(as_text=True)
    assert "15 issues published." in first
    assert "Page 1 of 2" in first and "Letter 15" in first and "Letter 3" not in first
    second = client.get("/p/calm/archive?page=2").get_data(as_text=True)
    assert "Letter 3" in second and "Letter 1<" in second and "Letter 15" not in second
    # Out-of-range and junk page numbers land on a real page, never a 500.
    assert client.get("/p/calm/archive?page=999").status_code == 200
    assert client.get("/p/calm/archive?page=-1").status_code == 200
    assert client.get("/p/calm/archive?page=abc").status_code == 200


def test_issue_page_has_number_read_time_sign_off_and_social_tags(client, site):
    pub, issues, _ = site
    html = client.get(f"/p/calm/issues/{issues[0].slug}").get_data(as_text=True)
    assert "Issue 1 · Read Time:" in html
    # The short form lives in lists: home, archive, dashboard.
    assert "min read" in client.get("/p/calm/archive").get_data(as_text=True)
    assert "Warmly, Jo" in html
    assert '<meta property="og:title" content="Letter 1">' in html
    assert '<meta name="twitter:card"' in html
    assert f'<link rel="canonical" href="http://localhost/p/calm/issues/{issues[0].slug}">' in html
    assert "Issue 2" in html  # link to the next issue


def test_rss_atom_and_sitemap_are_valid_xml_with_published_issues_only(client, site):
    rss = client.get("/p/calm/feed.xml")
    assert rss.mimetype == "application/rss+xml"
    items = ET.fromstring(rss.data).findall("./channel/item")
    assert len(items) == 15
    assert items[0].findtext("title") == "Issue 15: Letter 15"
    atom = client.get("/p/calm/atom.xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert len(ET.fromstring(atom.data).findall("a:entry", ns)) == 15
    sitemap = client.get("/p/calm/sitemap.xml")
    locs = [
        el.text
        for el in ET.fromstring(sitemap.data).iter(
            "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
        )
    ]
    assert len(locs) == 17  # home, archive, 15 issues
    assert not any("secret-draft" in loc for loc in locs)
    assert b"Secret draft" not in rss.data + atom.data


def test_feeds_escape_hostile_titles(client, factories):
    pub = factories.publication(slug="odd", name="Odd & <Ends>")
    factories.issue(pub, title="Tom & Jerry <b>bold</b>", publish=True)
    ET.fromstring(client.get("/p/odd/feed.xml").data)
    ET.fromstring(client.get("/p/odd/atom.xml").data)


def test_friendly_404s(client, site):
    missing_pub = client.get("/p/no-such-publication/")
    assert missing_pub.status_code == 404
    assert "Page not found" in missing_pub.get_data(as_text=True)
    missing_issue = client.get("/p/calm/issues/no-such-issue")
    assert missing_issue.status_code == 404
    html = missing_issue.get_data(as_text=True)
    assert "Calm Letters" in html and "Browse the archive" in html
    assert client.get("/p/calm/issues/secret-draft").status_code == 404


def test_pages_are_accessible_basics(client, site):
    pub, issues, _ = site
    for url in [
        "/p/calm/",
        "/p/calm/archive",
        f"/p/calm/issues/{issues[0].slug}",
        "/login",
        "/signup",
    ]:
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="en">' in html
        assert 'name="viewport"' in html
        assert html.count("<h1") == 1, url
        levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", html)]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)
        for img in re.findall(r"<img[^>]*>", html):
            assert "alt=" in img, (url, img)
        assert 'class="skip-link"' in html


def test_security_headers_on_public_and_dashboard_pages(client, site):
    for url in ["/p/calm/", "/login", "/p/calm/feed.xml", "/p/calm/nope"]:
        headers = client.get(url).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
