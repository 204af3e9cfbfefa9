"""Subscribers through the API: keyset pages, reading, adding with double opt-in, tags,
unsubscribing and erasure, each refused to a key without the scope."""

from __future__ import annotations

from sqlalchemy import select

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from tests.api.conftest import field_names

NEW = {"email": "June.Reader@Example.org", "name": "June", "consent_note": "Asked after a talk"}


def test_the_list_comes_in_keyset_pages_newest_first(api, factories, pub):
    made = [factories.subscriber(pub, email=f"reader{n}@example.org") for n in range(5)]
    seen, after = [], None
    for _ in range(4):
        query = {"limit": 2, **({"after": after} if after else {})}
        page = api.get("/subscribers", query_string=query)
        assert page.status_code == 200
        body = page.get_json()
        seen += [s["id"] for s in body["data"]]
        after = body["next_cursor"]
        if after is None:
            break
    assert seen == [s.id for s in reversed(made)]


def test_the_list_filters_by_status_and_tag(api, factories, pub):
    factories.subscriber(pub, email="active@example.org")
    pending = factories.subscriber(pub, email="pending@example.org", status="pending")
    only = api.get("/subscribers", query_string={"status": "pending"}).get_json()["data"]
    assert [s["id"] for s in only] == [pending.id]
    tagged = api.post(f"/subscribers/{pending.id}/tags", json={"names": ["Workshop"]})
    tag_id = tagged.get_json()["tags"][0]["id"]
    by_tag = api.get("/subscribers", query_string={"tag_id": tag_id}).get_json()["data"]
    assert [s["email"] for s in by_tag] == ["pending@example.org"]
    refused = api.get("/subscribers", query_string={"status": "sleeping", "limit": 0})
    assert refused.status_code == 422
    assert set(field_names(refused)) == {"status", "limit"}


def test_a_new_subscriber_must_confirm_by_email(api, mailbox):
    response = api.post("/subscribers", json={**NEW, "tags": ["From the API"]})
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "june.reader@example.org"
    assert body["status"] == "pending" and body["confirmed_at"] is None
    assert body["consent_note"] == "Asked after a talk"
    assert [t["name"] for t in body["tags"]] == ["From the API"]
    assert mailbox.last_link("june.reader@example.org", "/confirm/")
    assert api.get(f"/subscribers/{body['id']}").get_json()["status"] == "pending"


def test_a_subscriber_imported_with_consent_is_active_without_an_email(api, mailbox):
    response = api.post("/subscribers", json={**NEW, "imported_with_consent": True})
    assert response.status_code == 201
    assert response.get_json()["status"] == "active"
    assert mailbox.messages("june.reader@example.org") == []


def test_an_address_already_listed_is_a_conflict_naming_the_email(api, factories, pub):
    factories.subscriber(pub, email="june.reader@example.org", name="Kept")
    response = api.post("/subscribers", json={**NEW, "name": "Changed"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert field_names(response) == ["email"]
    assert api.get("/subscribers").get_json()["data"][0]["name"] == "Kept"


def test_bad_input_names_each_field_and_saves_nothing(api, app, pub):
    response = api.post(
        "/subscribers",
        json={"email": "not-an-address", "consent_note": "   ", "colour": "blue"},
    )
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["type"].endswith("#problem-validation")
    assert problem["status"] == 422 and problem["instance"] == "/api/v1/subscribers"
    assert set(field_names(response)) == {"email", "consent_note", "colour"}
    email_error = next(e for e in problem["errors"] if e["field"] == "email")
    assert "@-sign" in email_error["detail"]
    with app.app_context(), bound_to(pub.id):
        assert db.session.scalars(select(Subscriber)).all() == []


def test_tags_go_on_and_come_off(api, factories, pub):
    reader = factories.subscriber(pub)
    tagged = api.post(f"/subscribers/{reader.id}/tags", json={"names": ["Retreat", "retreat"]})
    assert tagged.status_code == 200
    (tag,) = tagged.get_json()["tags"]
    assert api.get("/tags").get_json()["data"] == [tag]
    untagged = api.delete(f"/subscribers/{reader.id}/tags/{tag['id']}")
    assert untagged.status_code == 200 and untagged.get_json()["tags"] == []
    assert api.delete(f"/subscribers/{reader.id}/tags/{tag['id']}").status_code == 404


def test_unsubscribe_keeps_the_history_and_erase_leaves_nothing(api, app, factories, pub):
    reader = factories.subscriber(pub, email="leaving@example.org")
    gone = api.post(f"/subscribers/{reader.id}/unsubscribe")
    assert gone.status_code == 200
    assert gone.get_json()["status"] == "unsubscribed" and gone.get_json()["unsubscribed_at"]
    assert api.post(f"/subscribers/{reader.id}/unsubscribe").status_code == 200

    erased = api.delete(f"/subscribers/{reader.id}")
    assert erased.status_code == 204 and erased.data == b""
    assert api.get(f"/subscribers/{reader.id}").status_code == 404
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Subscriber, reader.id) is None


def test_each_call_needs_its_scope(api_for, factories, pub):
    reader = factories.subscriber(pub)
    reader_only = api_for(["subscribers:read"])
    assert reader_only.get("/subscribers").status_code == 200
    assert reader_only.get(f"/subscribers/{reader.id}").status_code == 200
    assert reader_only.get("/tags").status_code == 200
    for method, path, body in [
        ("POST", "/subscribers", NEW),
        ("POST", f"/subscribers/{reader.id}/tags", {"names": ["x"]}),
        ("POST", f"/subscribers/{reader.id}/unsubscribe", None),
        ("DELETE", f"/subscribers/{reader.id}", None),
    ]:
        response = reader_only.call(method, path, json=body)
        assert response.status_code == 403, path
        assert response.get_json()["type"].endswith("#problem-missing-scope")
        assert "subscribers:write" in response.get_json()["detail"]
    issues_only = api_for(["issues:read"])
    assert issues_only.get("/subscribers").status_code == 403
    assert issues_only.get("/tags").status_code == 403
    assert api_for(["subscribers:read"]).get(f"/subscribers/{reader.id}").status_code == 200
