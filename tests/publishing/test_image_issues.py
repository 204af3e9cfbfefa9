"""Uploaded images in an issue: sized with a srcset on the web, the 600 px file in email."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Issue
from tests.conftest import csrf_token, login
from tests.publishing import image_files
from tests.publishing.test_image_uploads import upload

IMG_RE = re.compile(r"<img\b[^>]*>")


def _attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))


def _save(client, publication, issue_id: int, **fields):
    token = csrf_token(client, f"/dashboard/{publication.slug}/issues/{issue_id}")
    data = {"title": "Spring", "csrf_token": token, "action": "save", **fields}
    return client.post(
        f"/dashboard/{publication.slug}/issues/{issue_id}",
        data=data,
        content_type="multipart/form-data",
    )


def _issue(app, publication, issue_id: int) -> Issue:
    with app.app_context(), bound_to(publication.id):
        issue = db.session.scalar(select(Issue).where(Issue.id == issue_id))
        db.session.expunge(issue)
        return issue


def _setup(app, factories, client):
    owner = factories.user(email="maya@example.com", name="Maya")
    publication = factories.publication(owner=owner, slug="calm", name="Calm Letters")
    issue = factories.issue(publication, title="Spring")
    factories.subscriber(publication, email="june@example.org", name="June")
    login(client, "maya@example.com")
    return publication, issue


def test_an_uploaded_image_gets_its_sizes_on_the_web_and_its_600px_file_in_email(
    app, factories, client, mailbox
):
    publication, issue = _setup(app, factories, client)
    image = upload(client, publication.slug, image_files.photo(2400, 1800)).get_json()
    body = f"Before.\n\n![A quiet path through the woods]({image['url']})\n\nAfter."
    assert _save(client, publication, issue.id, body_markdown=body).status_code == 302

    saved = _issue(app, publication, issue.id)
    (tag,) = IMG_RE.findall(saved.body_html)
    web = _attrs(tag)
    urls = {v["width"]: v["url"] for v in image["variants"]}
    assert web["src"] == urls[1200] and (web["width"], web["height"]) == ("1200", "900")
    assert web["alt"] == "A quiet path through the woods"
    assert web["srcset"] == f"{urls[600]} 600w, {urls[1200]} 1200w, {urls[2400]} 2400w"
    assert web["loading"] == "lazy" and "sizes" in web

    page = client.get(f"/dashboard/{publication.slug}/issues/{issue.id}/preview")
    assert f'srcset="{urls[600]} 600w' in page.get_data(as_text=True)

    sent = client.post(
        f"/dashboard/{publication.slug}/issues/{issue.id}/send-test",
        data={"csrf_token": csrf_token(client, f"/dashboard/{publication.slug}/issues")},
    )
    assert sent.status_code in (302, 303)
    (message,) = mailbox.messages("maya@example.com")
    html = message.get_body(preferencelist=("html",)).get_content()
    (mailed,) = [_attrs(t) for t in IMG_RE.findall(html) if "woods" in t]
    assert mailed["src"] == urls[600] and mailed["src"].startswith("http://localhost/media/")
    assert (mailed["width"], mailed["height"]) == ("536", "402")
    assert mailed["alt"] == "A quiet path through the woods" and "srcset" not in mailed


def test_a_cover_uploaded_with_the_issue_form_shows_sized_on_the_web_and_in_email(
    app, factories, client, mailbox
):
    publication, issue = _setup(app, factories, client)
    response = _save(
        client,
        publication,
        issue.id,
        cover_image_file=(io.BytesIO(image_files.photo(1600, 1000)), "cover.jpg"),
        cover_image_alt="Morning light on the hills",
    )
    assert response.status_code == 302
    saved = _issue(app, publication, issue.id)
    assert re.fullmatch(r"http://localhost/media/\d+/[0-9a-f]{32}-1200\.jpg", saved.cover_image_url)

    client.post(
        f"/dashboard/{publication.slug}/issues/{issue.id}/publish",
        data={"csrf_token": csrf_token(client, f"/dashboard/{publication.slug}/issues")},
    )
    page = client.get(f"/p/{publication.slug}/issues/{saved.slug}").get_data(as_text=True)
    (cover,) = [_attrs(t) for t in IMG_RE.findall(page) if "Morning light" in t]
    assert cover["src"] == saved.cover_image_url and cover["width"] == "1200"
    assert "600w" in cover["srcset"] and cover["loading"] == "eager"

    client.post(
        f"/dashboard/{publication.slug}/issues/{issue.id}/send-test",
        data={"csrf_token": csrf_token(client, f"/dashboard/{publication.slug}/issues")},
    )
    (message,) = mailbox.messages("maya@example.com")
    html = message.get_body(preferencelist=("html",)).get_content()
    (mailed,) = [_attrs(t) for t in IMG_RE.findall(html) if "Morning light" in t]
    assert mailed["src"].endswith("-600.jpg")
    assert (mailed["width"], mailed["height"]) == ("536", "335")


def test_a_refused_cover_saves_nothing_of_the_edit(app, factories, client):
    publication, issue = _setup(app, factories, client)
    response = _save(
        client,
        publication,
        issue.id,
        title="Renamed",
        cover_image_file=(io.BytesIO(b"%PDF-1.4 not a picture"), "cover.pdf"),
    )
    assert response.status_code == 422
    assert "not an image we can use" in response.get_data(as_text=True)
    assert _issue(app, publication, issue.id).title == "Spring"


def test_images_from_elsewhere_keep_the_tag_they_had(app, factories, client):
    publication, issue = _setup(app, factories, client)
    body = "![A chart](https://example.org/chart.png)"
    _save(client, publication, issue.id, body_markdown=body)
    (tag,) = IMG_RE.findall(_issue(app, publication, issue.id).body_html)
    assert _attrs(tag) == {"src": "https://example.org/chart.png", "alt": "A chart"}
