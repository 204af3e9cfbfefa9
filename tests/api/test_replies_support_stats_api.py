"""Replies, support requests and stats through the API; support requests stay out of reach
in confidential mode unless the owner allowed the key."""

from __future__ import annotations

from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from saas.support import form_settings
from saas.support.models import SupportEvent
from tests.api.conftest import field_names


def _confidential_mode(app, pub, on: bool) -> None:
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        form = form_settings.get_form(publication)
        form.confidential_mode = on
        db.session.add(form)
        db.session.commit()


def test_replies_are_listed_newest_first_and_filtered(api, factories, pub):
    issue = factories.issue(pub, title="On rest", publish=True)
    other = factories.issue(pub, title="On play", publish=True)
    ada = factories.subscriber(pub, email="ada@example.org", name="Ada")
    first = factories.reply(pub, issue, ada, "This landed for me.")
    second = factories.reply(pub, other, ada, "And this one too.", status="pending")
    page = api.get("/replies").get_json()
    assert [r["id"] for r in page["data"]] == [second.id, first.id]
    assert page["total"] == 2 and page["pages"] == 1
    assert page["data"][1]["text"] == "This landed for me."
    assert page["data"][1]["issue_title"] == "On rest"
    assert page["data"][1]["subscriber_id"] == ada.id
    pending = api.get("/replies", query_string={"status": "pending"}).get_json()["data"]
    assert [r["id"] for r in pending] == [second.id]
    by_issue = api.get("/replies", query_string={"issue_id": issue.id}).get_json()["data"]
    assert [r["id"] for r in by_issue] == [first.id]
    assert api.get("/replies", query_string={"page": 0}).status_code == 422


def test_replies_need_their_scope(api_for):
    response = api_for(["subscribers:read", "stats:read"]).get("/replies")
    assert response.status_code == 403
    assert "replies:read" in response.get_json()["detail"]


def test_support_requests_stay_closed_in_confidential_mode(api, factories, pub):
    request = factories.support_request(pub, name="Asker", message="I need to talk.")
    for method, path, body in [
        ("GET", "/support/stages", None),
        ("GET", "/support/requests", None),
        ("GET", f"/support/requests/{request.id}", None),
        ("POST", f"/support/requests/{request.id}/stage", {"stage": "contacted"}),
    ]:
        response = api.call(method, path, json=body)
        assert response.status_code == 403, path
        problem = response.get_json()
        assert problem["type"].endswith("#problem-confidential")
        assert b"I need to talk" not in response.data and b"Asker" not in response.data
    assert api.get("/stats").get_json()["support"] is None


def test_a_key_the_owner_allowed_reads_and_moves_requests(app, api_for, factories, pub):
    request = factories.support_request(pub, name="Asker", message="I need to talk.")
    allowed = api_for(["support:read", "support:stages"], support_when_confidential=True)
    stages = allowed.get("/support/stages").get_json()["data"]
    assert [(s["stage"], s["count"]) for s in stages][:2] == [("new", 1), ("contacted", 0)]
    listed = allowed.get("/support/requests").get_json()["data"]
    assert [(r["id"], r["name"], r["message"]) for r in listed] == [
        (request.id, "Asker", "I need to talk.")
    ]
    got = allowed.get(f"/support/requests/{request.id}").get_json()
    assert got["stage"] == "new" and got["email"] == request.email

    moved = allowed.post(f"/support/requests/{request.id}/stage", json={"stage": "booked"})
    assert moved.status_code == 200
    assert moved.get_json() == {"stage": "booked", "label": "Booked", "count": 1}
    booked = allowed.get("/support/requests", query_string={"stage": "booked"}).get_json()
    assert [r["id"] for r in booked["data"]] == [request.id]
    with app.app_context(), bound_to(pub.id):
        details = [e.detail for e in db.session.scalars(select(SupportEvent))]
    assert "New → Booked" in details
    bad = allowed.post(f"/support/requests/{request.id}/stage", json={"stage": "archived"})
    assert bad.status_code == 422 and field_names(bad) == ["stage"]
    assert allowed.get("/support/requests/999999").status_code == 404


def test_without_confidential_mode_support_scopes_are_enough(app, api_for, factories, pub):
    request = factories.support_request(pub)
    _confidential_mode(app, pub, False)
    reader = api_for(["support:read"])
    assert reader.get(f"/support/requests/{request.id}").status_code == 200
    refused = reader.post(f"/support/requests/{request.id}/stage", json={"stage": "spam"})
    assert refused.status_code == 403
    assert refused.get_json()["type"].endswith("#problem-missing-scope")
    mover = api_for(["support:stages"])
    assert mover.get("/support/requests").status_code == 403
    moved = mover.post(f"/support/requests/{request.id}/stage", json={"stage": "spam"})
    assert moved.status_code == 200
    _confidential_mode(app, pub, True)
    assert reader.get(f"/support/requests/{request.id}").status_code == 403


def test_stats_count_what_the_key_may_see(api_for, factories, pub):
    issue = factories.issue(pub, publish=True)
    factories.issue(pub)
    ada = factories.subscriber(pub, email="ada@example.org")
    factories.subscriber(pub, status="pending")
    factories.reply(pub, issue, ada, "Thank you.")
    factories.support_request(pub)
    stats = api_for(["stats:read"]).get("/stats").get_json()
    # Every status is listed, zeros too, so a client never has to guess a missing key.
    assert stats["subscribers"] == {
        "active": 1,
        "pending": 1,
        "unsubscribed": 0,
        "bounced": 0,
        "complained": 0,
    }
    assert stats["active_subscribers"] == 1
    assert stats["issues"] == {"draft": 1, "scheduled": 0, "published": 1}
    assert stats["sends"] == 0
    assert stats["replies"] is None and stats["support"] is None
    full = api_for(
        ["stats:read", "replies:read", "support:read"], support_when_confidential=True
    ).get("/stats")
    assert full.get_json()["replies"]["unread"] == 1
    assert full.get_json()["support"]["new"] == 1
    assert api_for(["subscribers:read"]).get("/stats").status_code == 403
