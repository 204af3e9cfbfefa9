"""Wrong files, unsafe zips and XML, endless feeds, private addresses: a clear message on the
form (422), nothing stored, never a 500."""

from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.back_issues.models import BackIssueImport
from tests.conftest import csrf_token
from tests.publishing.back_issues.exports import BILLION_LAUGHS, rss, zip_with
from tests.publishing.back_issues.helpers import (
    import_all,
    import_url,
    issues_of,
    latest_import,
    upload,
)


def _nothing_stored(app, pub) -> bool:
    with app.app_context(), bound_to(pub.id):
        imports = db.session.scalar(select(func.count()).select_from(BackIssueImport))
    return imports == 0 and issues_of(app, pub) == []


def _refused(app, client, pub, content: bytes, filename: str, message: str) -> None:
    response = upload(client, pub, content, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:2000]
    assert message in html
    assert _nothing_stored(app, pub)


def test_a_zip_with_parent_paths_is_refused(app, client, pub):
    content = zip_with({"posts.csv": b"post_id\n", "../../etc/evil.html": b"x"})
    _refused(app, client, pub, content, "export.zip", "unsafe path")


def test_a_zip_bomb_is_refused(app, client, pub):
    # 30 MB of zeros packs into a few kB: far past the expansion Tend allows for its size.
    bomb = zip_with({"posts.csv": b"post_id\n" + b"0" * 30_000_000})
    assert len(bomb) < 100_000
    _refused(app, client, pub, bomb, "export.zip", "expands to more than Tend reads")


def test_a_zip_that_is_not_substacks_is_refused(app, client, pub):
    _refused(app, client, pub, zip_with({"photo.jpg": b"x"}), "x.zip", "no posts.csv")


def test_a_damaged_zip_is_refused(app, client, pub):
    content = zip_with({"posts.csv": b"post_id\n" * 100}, zipfile.ZIP_STORED)[:60]
    _refused(app, client, pub, content, "export.zip", "damaged or not a zip")


@pytest.mark.parametrize("filename", ["wordpress.xml", "feed.xml"])
def test_billion_laughs_is_refused(app, client, pub, filename):
    content = BILLION_LAUGHS
    if filename == "feed.xml":
        content = content.replace(b"http://wordpress.org/export/1.2/", b"urn:x")
    _refused(app, client, pub, content, filename, "declares XML entities")


def test_malformed_wordpress_xml_is_refused(app, client, pub):
    content = b'<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>'
    _refused(app, client, pub, content, "wordpress.xml", "not well-formed XML")


def test_a_file_of_another_kind_is_refused(app, client, pub):
    _refused(app, client, pub, b"name,email\nAda,ada@example.com\n", "list.zip", "not an export")


def test_json_that_is_not_a_ghost_export_is_refused(app, client, pub):
    content = json.dumps({"posts": []}).encode()
    _refused(app, client, pub, content, "ghost.json", "not a Ghost export")


SCRIPTED = '<p>Hi</p><script>alert(2)</script><img src=x onerror="a()">'


SCRIPTED = '<p>Hi</p><script>alert(2)</script><img src=x onerror="a()">'


def test_a_post_with_scripts_is_imported_without_them(app, client, pub):
    content = json.dumps(
        {
            "db": [
                {
                    "data": {
                        "posts": [
                            {
                                "id": "1",
                                "title": "<script>alert(1)</script>Hello",
                                "slug": "hello",
                                "status": "published",
                                "published_at": "2022-01-01T00:00:00.000Z",
                                "html": SCRIPTED,
                            }
                        ]
                    }
                }
            ]
        }
    ).encode()
    import_all(app, client, pub, content, "ghost.json", fetch_images=False)
    [issue] = issues_of(app, pub)
    assert "<script" not in issue.body_html and "onerror" not in issue.body_html
    page = client.get(f"/p/{pub.slug}/issues/hello").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "alert(2)" not in page


def _post_feed_url(client, pub, url: str):
    form = import_url(pub)
    return client.post(form, data={"csrf_token": csrf_token(client, form), "feed_url": url})


def test_a_feed_that_never_ends_is_refused(app, client, pub, images, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 200_000)
    response = _post_feed_url(client, pub, f"{images.base}/endless")
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)
    assert _nothing_stored(app, pub)


def test_a_feed_on_a_private_address_is_never_fetched(app, client, pub, images):
    images.files["/feed.xml"] = rss(images.base)
    for url in ("http://10.0.0.5/feed.xml", "http://169.254.169.254/latest/meta-data/"):
        response = _post_feed_url(client, pub, url)
        assert response.status_code == 422
        assert "only connects to public internet addresses" in response.get_data(as_text=True)
    assert _nothing_stored(app, pub)


def test_a_feed_on_loopback_is_refused_outside_tests(app, client, pub, images, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_LOOPBACK", False)
    images.files["/feed.xml"] = rss(images.base)
    response = _post_feed_url(client, pub, f"{images.base}/feed.xml")
    assert response.status_code == 422 and images.hits == {}
    assert _nothing_stored(app, pub)


def test_neither_file_nor_address_asks_for_one(app, client, pub):
    response = _post_feed_url(client, pub, "")
    assert response.status_code == 422
    assert "Choose an export file or enter a feed" in response.get_data(as_text=True)


def test_images_on_private_addresses_are_never_fetched(app, client, pub, images):
    html = (
        '<p>Hi</p><img src="http://169.254.169.254/latest/meta-data/a.jpg">'
        '<img src="http://10.1.2.3/b.jpg">'
    )
    post = {
        "id": "1",
        "title": "Inside",
        "slug": "inside",
        "status": "published",
        "published_at": "2022-01-01T00:00:00.000Z",
        "html": html,
    }
    content = json.dumps({"db": [{"data": {"posts": [post]}}]}).encode()
    import_all(app, client, pub, content, "ghost.json")
    [issue] = issues_of(app, pub)
    assert 'src="http://10.1.2.3/b.jpg"' in issue.body_html
    failures = {url: reason for _title, url, reason in latest_import(app, pub).image_failures}
    assert "a link-local address" in failures["http://169.254.169.254/latest/meta-data/a.jpg"]
    assert "a private network address" in failures["http://10.1.2.3/b.jpg"]
