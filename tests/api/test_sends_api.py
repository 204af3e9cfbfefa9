"""Sends through the API: an issue published and mailed to the active readers once, a send
scheduled, its progress read back; refusals say why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from saas.core.model_base import utcnow
from saas.delivery import sending
from tests.api.conftest import field_names


def test_an_issue_goes_out_once_to_the_active_readers(api, factories, pub, mailbox):
    factories.subscriber(pub, email="ada@example.org", name="Ada")
    factories.subscriber(pub, email="gone@example.org", status="unsubscribed")
    issue = factories.issue(pub, title="On slowing down")
    created = api.post("/sends", json={"issue_id": issue.id})
    assert created.status_code == 201
    send = created.get_json()
    assert send["issue_id"] == issue.id and send["issue_title"] == "On slowing down"
    assert [str(m["To"]) for m in mailbox.messages()] == ["Ada <ada@example.org>"]

    status = api.get(f"/sends/{send['id']}").get_json()
    assert status["status"] == "done"
    assert status["progress"]["counts"]["sent"] == 1 and status["progress"]["percent"] == 100.0
    assert api.get(f"/issues/{issue.id}").get_json()["status"] == "published"
    assert [s["id"] for s in api.get("/sends").get_json()["data"]] == [send["id"]]

    again = api.post("/sends", json={"issue_id": issue.id, "audience": "all"})
    assert again.status_code == 409
    assert again.get_json()["detail"] == "This issue has already been sent."
    assert len(mailbox.messages()) == 1


def test_nobody_to_send_to_is_a_conflict_that_says_so(api, factories, pub, mailbox):
    issue = factories.issue(pub)
    response = api.post("/sends", json={"issue_id": issue.id})
    assert response.status_code == 409
    assert "no active readers" in response.get_json()["detail"]
    assert api.get("/sends").get_json()["data"] == []


def test_a_scheduled_send_waits_for_its_time(app, api, factories, pub, mailbox):
    factories.subscriber(pub, email="ada@example.org")
    issue = factories.issue(pub)
    when = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    created = api.post("/sends", json={"issue_id": issue.id, "send_at": when.isoformat()})
    assert created.status_code == 201
    assert created.get_json()["status"] == "scheduled"
    assert datetime.fromisoformat(created.get_json()["scheduled_at"]) == when
    assert mailbox.messages() == []
    with app.app_context():
        assert sending.start_due_sends(now=when + timedelta(seconds=1)) == 1
    assert len(mailbox.messages()) == 1


def test_times_and_issues_that_cannot_be_are_named(api, factories, pub):
    factories.subscriber(pub)
    issue = factories.issue(pub)
    past = (utcnow() - timedelta(minutes=5)).isoformat()
    naive = (utcnow() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    far = datetime(2999, 1, 1, tzinfo=UTC).isoformat()
    for send_at, words in [(past, "in the future"), (far, "within the next year")]:
        response = api.post("/sends", json={"issue_id": issue.id, "send_at": send_at})
        assert response.status_code == 422
        assert field_names(response) == ["send_at"]
        assert words in response.get_json()["errors"][0]["detail"]
    naive_response = api.post("/sends", json={"issue_id": issue.id, "send_at": naive})
    assert field_names(naive_response) == ["send_at"]
    unknown = api.post("/sends", json={"issue_id": 999999})
    assert unknown.status_code == 404 and field_names(unknown) == ["issue_id"]
    segment = api.post("/sends", json={"issue_id": issue.id, "audience": "paid"})
    assert segment.status_code == 422 and field_names(segment) == ["audience"]
    assert api.get("/sends").get_json()["data"] == []
    assert api.get("/sends/999").status_code == 404


def test_seeing_sends_does_not_allow_sending(api_for, factories, pub, mailbox):
    factories.subscriber(pub)
    issue = factories.issue(pub)
    watcher = api_for(["sends:read"])
    assert watcher.get("/sends").status_code == 200
    assert watcher.post("/sends", json={"issue_id": issue.id}).status_code == 403
    assert api_for(["sends:write"]).get("/sends").status_code == 403
    assert mailbox.messages() == []


def test_a_send_to_a_segment_reaches_only_it_and_says_who_it_was_for(
    app, api, factories, pub, mailbox
):
    from saas.audience import tags
    from saas.audience.models import Subscriber
    from saas.core.extensions import db
    from saas.core.tenancy import bound_to

    ada = factories.subscriber(pub, email="ada@example.org", name="Ada")
    factories.subscriber(pub, email="bo@example.org", name="Bo")
    with app.app_context(), bound_to(pub.id):
        tags.add_tags(pub, db.session.get(Subscriber, ada.id), ["Retreat"])
    issue = factories.issue(pub)
    segment = {"tags_any": ["retreat"], "sources": ["form"]}
    created = api.post("/sends", json={"issue_id": issue.id, "segment": segment})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["segment"]["tags_any"] == ["retreat"]
    assert [str(m["To"]) for m in mailbox.messages()] == ["Ada <ada@example.org>"]
    assert api.get(f"/sends/{created.get_json()['id']}").get_json()["total"] == 1
    listed = api.get("/sends").get_json()["data"][0]
    assert listed["segment"]["sources"] == ["form"] and listed["segment"]["paid"] == "any"


def test_a_segment_that_cannot_be_is_refused_before_anything_is_sent(api, factories, pub, mailbox):
    factories.subscriber(pub, email="ada@example.org")
    issue = factories.issue(pub)
    unknown = api.post("/sends", json={"issue_id": issue.id, "segment": {"tags_all": ["nope"]}})
    assert unknown.status_code == 422
    assert field_names(unknown) == ["segment"]
    assert "no tag named" in unknown.get_json()["detail"]
    misspelt = api.post("/sends", json={"issue_id": issue.id, "segment": {"tag": ["x"]}})
    assert misspelt.status_code == 422
    empty = api.post("/sends", json={"issue_id": issue.id, "segment": {"paid": "paid"}})
    assert empty.status_code == 409
    assert "no active reader is in this segment" in empty.get_json()["detail"]
    assert api.get("/sends").get_json()["data"] == [] and mailbox.messages() == []
