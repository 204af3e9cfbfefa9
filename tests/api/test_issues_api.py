"""Issues through the API: drafts saved as the editor saves them, listed, read, published."""

from __future__ import annotations

from tests.api.conftest import field_names


def test_a_draft_is_saved_read_and_published_with_the_next_number(api, factories, pub):
    factories.issue(pub, title="First", publish=True)
    created = api.post(
        "/issues",
        json={
            "title": "  On rest  ",
            "subtitle": "Why pausing helps",
            "body_markdown": "Some **calm** words.",
            "cover_image_url": "https://example.org/cover.jpg",
        },
    )
    assert created.status_code == 201
    draft = created.get_json()
    assert draft["title"] == "On rest" and draft["slug"] == "on-rest"
    assert draft["status"] == "draft" and draft["number"] is None
    assert "<strong>calm</strong>" in draft["body_html"]
    assert api.get(f"/issues/{draft['id']}").get_json()["body_markdown"] == "Some **calm** words."

    listed = api.get("/issues").get_json()["data"]
    assert [i["title"] for i in listed] == ["On rest", "First"]
    assert "body_markdown" not in listed[0]
    drafts = api.get("/issues", query_string={"status": "draft"}).get_json()["data"]
    assert [i["id"] for i in drafts] == [draft["id"]]

    published = api.post(f"/issues/{draft['id']}/publish")
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"
    assert published.get_json()["number"] == 2
    page = api.client.get("/p/calm/issues/on-rest")
    assert page.status_code == 200 and b"On rest" in page.data


def test_a_slug_in_use_is_a_conflict_naming_the_slug(api, factories, pub):
    factories.issue(pub, title="Taken", slug="taken")
    response = api.post("/issues", json={"title": "Another", "slug": "taken"})
    assert response.status_code == 409
    assert field_names(response) == ["slug"]
    assert len(api.get("/issues").get_json()["data"]) == 1


def test_bad_fields_are_named(api):
    response = api.post(
        "/issues",
        json={"slug": "Not A Slug", "cover_image_url": "ftp://example.org/x", "audience": "vip"},
    )
    assert response.status_code == 422
    assert set(field_names(response)) == {"title", "slug", "cover_image_url", "audience"}
    url_error = next(e for e in response.get_json()["errors"] if e["field"] == "cover_image_url")
    assert url_error["detail"] == "Use a full web address starting with https://."
    assert api.get("/issues").get_json()["data"] == []


def test_unknown_issues_are_not_found(api):
    assert api.get("/issues/999").status_code == 404
    assert api.post("/issues/999/publish").status_code == 404


def test_reading_issues_does_not_allow_writing_them(api_for, factories, pub):
    issue = factories.issue(pub, title="Draft")
    reader = api_for(["issues:read"])
    assert reader.get(f"/issues/{issue.id}").status_code == 200
    assert reader.post("/issues", json={"title": "No"}).status_code == 403
    assert reader.post(f"/issues/{issue.id}/publish").status_code == 403
    assert api_for(["issues:write"]).get("/issues").status_code == 403


def test_issues_come_a_page_at_a_time(api, factories, pub):
    from saas.publishing.issues import ISSUES_PER_PAGE

    for n in range(ISSUES_PER_PAGE + 2):
        factories.issue(pub, title=f"Letter {n}", slug=f"letter-{n}", publish=True)
    first = api.get("/issues").get_json()
    assert (first["page"], first["pages"], first["total"]) == (1, 2, ISSUES_PER_PAGE + 2)
    assert len(first["data"]) == ISSUES_PER_PAGE
    second = api.get("/issues", query_string={"page": 2}).get_json()
    assert [i["title"] for i in second["data"]] == ["Letter 1", "Letter 0"]
    assert {i["id"] for i in first["data"]}.isdisjoint(i["id"] for i in second["data"])
    assert api.get("/issues", query_string={"page": 0}).status_code == 422
