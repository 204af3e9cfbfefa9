"""Writing issues: drafts, editing, numbering on publish, unpublish, schedule, search."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing import issues as issue_service
from saas.publishing.models import Issue, Publication
from tests.conftest import csrf_token, login, post_form

BODY = "## Hello\n\n" + "A calm and steady sentence for readers. " * 120


def _owner_with_pub(factories, client, slug="calm"):
    owner = factories.user(email=f"{slug}@example.com")
    pub = factories.publication(owner=owner, slug=slug, name=slug.title())
    login(client, f"{slug}@example.com")
    return pub


def _issue_count(app) -> int:
    with app.app_context(), cross_tenant():
        return db.session.scalar(select(func.count()).select_from(Issue))


def test_write_draft_then_publish_gets_number_one(app, client, factories):
    pub = _owner_with_pub(factories, client)
    new = f"/dashboard/{pub.slug}/issues/new"
    response = post_form(
        client,
        new,
        {"title": "First letter", "subtitle": "Hi", "body_markdown": BODY},
        token_from=new,
    )
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    editor = client.get(edit_url).get_data(as_text=True)
    assert "draft" in editor
    assert client.get(f"/p/{pub.slug}/issues/first-letter").status_code == 404
    response = post_form(client, edit_url + "/publish", {}, token_from=edit_url)
    assert response.status_code == 302
    page = client.get(f"/p/{pub.slug}/issues/first-letter")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Issue 1 · Read Time: 3 minutes 32 seconds" in html
    assert "4 min read" in client.get(f"/p/{pub.slug}/").get_data(as_text=True)
    assert "4 min read" in client.get(f"/dashboard/{pub.slug}/issues").get_data(as_text=True)


def test_numbers_are_sequential_never_reused_and_kept_on_republish(app, client, factories):
    pub = _owner_with_pub(factories, client)
    a = factories.issue(pub, title="A", publish=True)
    b = factories.issue(pub, title="B", publish=True)
    assert (a.number, b.number) == (1, 2)
    base = f"/dashboard/{pub.slug}/issues"
    token = csrf_token(client, base)
    client.post(f"{base}/{b.id}/unpublish", data={"csrf_token": token})
    client.post(f"{base}/{b.id}/delete", data={"csrf_token": token})
    c = factories.issue(pub, title="C", publish=True)
    assert c.number == 3  # 2 is never given out again
    client.post(f"{base}/{c.id}/unpublish", data={"csrf_token": token})
    client.post(f"{base}/{c.id}/publish", data={"csrf_token": token})
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Issue, c.id).number == 3


def test_each_publication_counts_from_one(app, factories):
    one = factories.publication(slug="one")
    two = factories.publication(slug="two")
    assert factories.issue(one, publish=True).number == 1
    assert factories.issue(two, publish=True).number == 1
    assert factories.issue(one, publish=True).number == 2


def test_database_refuses_duplicate_numbers(app, factories):
    pub = factories.publication(slug="dup")
    first = factories.issue(pub, publish=True)
    second = factories.issue(pub)
    import pytest
    from sqlalchemy.exc import IntegrityError

    with app.app_context(), bound_to(pub.id):
        row = db.session.get(Issue, second.id)
        row.number = first.number
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_edit_after_publishing_updates_the_public_page(app, client, factories):
    pub = _owner_with_pub(factories, client)
    issue = factories.issue(pub, title="Old title", publish=True)
    url = f"/dashboard/{pub.slug}/issues/{issue.id}"
    response = post_form(
        client,
        url,
        {"title": "New title", "slug": issue.slug, "body_markdown": "Fresh words."},
        token_from=url,
    )
    assert response.status_code == 302
    html = client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)
    assert "New title" in html and "Fresh words." in html and "Issue 1" in html


def test_unpublished_issue_disappears_from_public_pages(app, client, factories):
    pub = _owner_with_pub(factories, client)
    issue = factories.issue(pub, title="Gone soon", publish=True)
    url = f"/dashboard/{pub.slug}/issues/{issue.id}"
    post_form(client, url + "/unpublish", {}, token_from=url)
    assert client.get(f"/p/{pub.slug}/issues/{issue.slug}").status_code == 404
    assert "Gone soon" not in client.get(f"/p/{pub.slug}/").get_data(as_text=True)
    assert "Gone soon" not in client.get(f"/p/{pub.slug}/feed.xml").get_data(as_text=True)


def test_bad_issue_input_is_refused_and_nothing_saved(app, client, factories):
    pub = _owner_with_pub(factories, client)
    factories.issue(pub, title="Existing", slug="existing")
    new = f"/dashboard/{pub.slug}/issues/new"
    before = _issue_count(app)
    bad = [
        {"title": ""},
        {"title": "t" * 201},
        {"title": "ok", "slug": "Not A Slug"},
        {"title": "ok", "slug": "existing"},
        {"title": "ok", "cover_image_url": "javascript:alert(1)"},
        {"title": "ok", "seo_description": "s" * 301},
        {"title": "ok", "body_markdown": "b" * 200_001},
    ]
    for data in bad:
        response = post_form(client, new, data, token_from=new)
        assert response.status_code == 422, data
    assert _issue_count(app) == before


def test_script_in_body_is_inert_on_the_public_page(app, client, factories):
    pub = _owner_with_pub(factories, client)
    factories.issue(
        pub,
        title="<script>alert('t')</script>",
        slug="xss",
        body_markdown=(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))"
        ),
        publish=True,
    )
    html = client.get(f"/p/{pub.slug}/issues/xss").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in html


def test_live_preview_renders_sanitised_markdown(app, client, factories):
    pub = _owner_with_pub(factories, client)
    url = f"/dashboard/{pub.slug}/preview"
    token = csrf_token(client, f"/dashboard/{pub.slug}/issues/new")
    response = client.post(
        url, data={"body_markdown": "**hi** <script>x()</script>"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200
    data = response.get_json()
    assert "<strong>hi</strong>" in data["html"] and "<script" not in data["html"]
    assert data["read_time_short"] == "1 min read"
    assert data["read_time"] == "Read Time: 0 seconds"
    too_long = client.post(
        url, data={"body_markdown": "x" * 200_001}, headers={"X-CSRFToken": token}
    )
    assert too_long.status_code == 413
    assert client.post(url, data={"body_markdown": "x"}).status_code == 400  # no CSRF token


def test_dashboard_lists_filters_and_searches_issues(app, client, factories):
    pub = _owner_with_pub(factories, client)
    factories.issue(pub, title="Grief and gardens", publish=True)
    factories.issue(pub, title="Sleep notes")
    base = f"/dashboard/{pub.slug}/issues"
    html = client.get(base).get_data(as_text=True)
    assert "Grief and gardens" in html and "Sleep notes" in html
    drafts = client.get(base + "?status=draft").get_data(as_text=True)
    assert "Sleep notes" in drafts and "Grief and gardens" not in drafts
    found = client.get(base + "?q=GARDEN").get_data(as_text=True)
    assert "Grief and gardens" in found and "Sleep notes" not in found
    assert client.get(base + "?status=bogus&q=" + "x" * 500).status_code == 200


def test_the_issue_list_comes_a_page_at_a_time_with_reply_counts(app, client, factories):
    pub = _owner_with_pub(factories, client)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        for n in range(1, 54):
            issue = issue_service.create_issue(
                publication, title=f"Letter {n} of 100%", body_markdown=f"Words {n}."
            )
            issue_service.publish_issue(publication, issue.id)
    draft = factories.issue(pub, title="Unfinished")
    factories.reply(
        pub,
        factories.issue(pub, title="Letter 54 of 100%", publish=True),
        factories.subscriber(pub),
    )
    base = f"/dashboard/{pub.slug}/issues"

    def titles(query: str = "") -> tuple[list[str], str]:
        html = client.get(base + query).get_data(as_text=True)
        return re.findall(
            r">(Unfinished|Letter \d+) of", html.replace(">Unfinished<", ">Unfinished of<")
        ), html

    first, html = titles()
    assert first[:3] == ["Unfinished", "Letter 54", "Letter 53"] and len(first) == 50
    assert "Page 1 of 2 · 55 issues" in html and "1 reply" in html
    second, html = titles("?page=2")
    assert second == [f"Letter {n}" for n in range(5, 0, -1)]
    assert "1 reply" not in html, "replies are counted for the issues shown"
    assert titles("?page=7")[0] == second  # past the end: the last page
    assert titles("?q=letter+5")[0] == [
        "Letter 54",
        "Letter 53",
        "Letter 52",
        "Letter 51",
        "Letter 50",
        "Letter 5",
    ]
    assert titles("?q=100%25&status=draft")[0] == []  # % is a letter; the draft has none
    # Every letter has a %, the draft none: 54 found, 4 on the second page.
    assert titles("?q=%25&page=2")[0] == [f"Letter {n}" for n in range(4, 0, -1)]
    assert draft.title not in titles("?status=published")[1]


def test_schedule_publishes_when_due(app, client, factories):
    pub = _owner_with_pub(factories, client)
    issue = factories.issue(pub, title="Later")
    url = f"/dashboard/{pub.slug}/issues/{issue.id}"
    response = post_form(
        client, url + "/schedule", {"publish_at": "2020-01-01T09:00"}, token_from=url
    )
    assert response.status_code == 303  # in the past: refused
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_form(client, url + "/schedule", {"publish_at": future}, token_from=url)
    assert response.status_code == 302
    with app.app_context(), bound_to(pub.id):
        row = db.session.get(Issue, issue.id)
        assert row.status == "scheduled" and row.number is None
    with app.app_context():
        assert issue_service.publish_due_issues(datetime.now(UTC)) == 0
        assert issue_service.publish_due_issues(datetime.now(UTC) + timedelta(days=2)) == 1
    with app.app_context(), bound_to(pub.id):
        row = db.session.get(Issue, issue.id)
        assert row.status == "published" and row.number == 1
        assert db.session.get(Publication, pub.id).last_issue_number == 1
