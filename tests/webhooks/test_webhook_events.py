"""Each thing that happens in a publication reaches the endpoints that asked for it, once.

Readers subscribe, confirm and leave through the public pages; issues are published and sent
through the services the dashboard uses; a reader replies; a support request arrives and
moves stage. A real receiving server on loopback records what it was posted.
"""

from __future__ import annotations

from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import sending
from saas.publishing.models import Issue, Publication
from saas.support import form_settings
from tests.conftest import login, post_form
from tests.support_helpers import MESSAGE, send_support
from tests.webhook_helpers import add_endpoint, deliveries_of, sent_events

SUBSCRIBER_EVENTS = ["subscriber.created", "subscriber.confirmed", "subscriber.unsubscribed"]
SUPPORT_EVENTS = ["support_request.created", "support_request.stage_changed"]


def test_a_reader_joining_confirming_and_leaving_is_three_events(
    app, client, factories, mailbox, receiver, loopback_allowed
):
    pub = factories.publication(slug="calm", name="Calm Letters")
    add_endpoint(app, pub, receiver.url(), SUBSCRIBER_EVENTS)
    client.post("/p/calm/subscribe", data={"email": "Ada@Example.org", "name": "Ada"})
    link = mailbox.last_link("ada@example.org", "/confirm/").replace("http://localhost", "")
    client.get(link)
    client.get(link)  # a second click changes nothing, and tells nobody
    with app.app_context(), bound_to(pub.id):
        from saas.audience.models import Subscriber
        from saas.audience.reader_links import unsubscribe_url

        reader = db.session.scalar(select(Subscriber).where(Subscriber.email == "ada@example.org"))
        leave = unsubscribe_url(pub, reader.id).replace("http://localhost", "")
    app.test_client(use_cookies=False).post(leave, data={"List-Unsubscribe": "One-Click"})

    events = sent_events(app, receiver)
    assert [e["type"] for e in events] == SUBSCRIBER_EVENTS
    assert [e["data"]["status"] for e in events] == ["pending", "active", "unsubscribed"]
    created = events[0]["data"]
    assert (created["email"], created["name"], created["source"]) == (
        "ada@example.org",
        "Ada",
        "form",
    )
    assert events[1]["data"]["confirmed_at"] and events[2]["data"]["unsubscribed_at"]
    assert len({e["id"] for e in events}) == 3


def test_a_reader_added_by_hand_is_created_once(app, factories, receiver, loopback_allowed):
    from saas.audience import subscribers

    pub = factories.publication()
    add_endpoint(app, pub, receiver.url(), SUBSCRIBER_EVENTS)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        subscribers.add_manually(publication, "lin@example.org", "Lin", False, "met at a talk")
        subscribers.add_manually(publication, "lin@example.org", "Lin", False, "again")
    events = sent_events(app, receiver)
    assert [(e["type"], e["data"]["status"]) for e in events] == [("subscriber.created", "active")]


def test_publishing_and_sending_an_issue(app, factories, mailbox, receiver, loopback_allowed):
    pub = factories.publication(slug="letters")
    factories.subscriber(pub, email="ada@example.org")
    factories.subscriber(pub, email="grace@example.org")
    add_endpoint(app, pub, receiver.url(), ["issue.published", "send.finished"])
    issue = factories.issue(pub, title="On slowing down", slug="slowing-down")
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        sending.send_now(publication, db.session.get(Issue, issue.id))
    assert len(mailbox.messages()) == 2

    published, finished = sent_events(app, receiver)
    assert published["type"] == "issue.published"
    assert published["data"]["title"] == "On slowing down"
    assert published["data"]["number"] == 1
    assert published["data"]["url"] == "http://localhost/p/letters/issues/slowing-down"
    assert finished["type"] == "send.finished"
    assert finished["data"]["issue_id"] == issue.id
    assert finished["data"]["recipients"] == 2
    assert finished["data"]["deliveries"] == {"sent": 2}
    # Publishing again (already public) is not a second event.
    with app.app_context(), bound_to(pub.id):
        from saas.publishing.issues import publish_issue

        publish_issue(db.session.get(Publication, pub.id), issue.id)
    assert len(sent_events(app, receiver)) == 2


def test_a_reader_reply_is_sent_with_its_words(app, factories, receiver, loopback_allowed):
    from saas.audience.models import Subscriber
    from saas.replies.posting import post_reply

    pub = factories.publication()
    issue = factories.issue(pub, publish=True)
    reader = factories.subscriber(pub, email="ada@example.org", name="Ada")
    add_endpoint(app, pub, receiver.url(), ["reply.created"])
    with app.app_context(), bound_to(pub.id):
        post_reply(
            db.session.get(Publication, pub.id),
            db.session.get(Issue, issue.id),
            db.session.get(Subscriber, reader.id),
            "This one landed. Thank you.",
        )
    (event,) = sent_events(app, receiver)
    assert event["type"] == "reply.created"
    data = event["data"]
    assert (data["issue_id"], data["subscriber_id"], data["channel"]) == (
        issue.id,
        reader.id,
        "web",
    )
    assert data["text"] == "This one landed. Thank you."


def _publication(app, slug: str) -> Publication:
    with app.app_context():
        found = db.session.scalar(select(Publication).where(Publication.slug == slug))
        db.session.expunge(found)
        return found


def _support_world(app, client, factories, receiver, confidential: bool):
    owner = factories.user(email="maya@example.com")
    pub = factories.publication(owner=owner, slug="practice")
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        form = form_settings.get_form(publication)
        values = {name: getattr(form, name) for name in form_settings.SETTINGS_FIELDS}
        values["confidential_mode"] = confidential
        form_settings.save_settings(publication, form.custom_fields or [], **values)
    add_endpoint(app, pub, receiver.url(), SUPPORT_EVENTS)
    send_support(client, app, pub, name="Robin Reader", email="robin@example.org")
    login(client, "maya@example.com")
    with app.app_context(), bound_to(pub.id):
        from saas.support.models import SupportRequest

        request_id = db.session.scalar(select(SupportRequest.id))
    page = f"/dashboard/practice/support/{request_id}"
    post_form(client, page + "/stage", {"stage": "contacted"}, token_from=page)
    post_form(client, page + "/stage", {"stage": "contacted"}, token_from=page)  # no move
    return request_id, sent_events(app, receiver)


def test_support_requests_carry_ids_and_stages_only_in_confidential_mode(
    app, client, factories, receiver, loopback_allowed, caplog
):
    request_id, events = _support_world(app, client, factories, receiver, confidential=True)
    assert [e["type"] for e in events] == SUPPORT_EVENTS
    created, moved = (e["data"] for e in events)
    assert created == {"id": request_id, "stage": "new", "confidential": True}
    assert moved == {
        "id": request_id,
        "stage": "contacted",
        "previous_stage": "new",
        "confidential": True,
    }
    raw = b"".join(r.body for r in receiver.received)
    for secret in (b"Robin", b"robin@example.org", MESSAGE[:30].encode()):
        assert secret not in raw
    stored = " ".join(d.body for d in deliveries_of(app, _publication(app, "practice")))
    assert "robin@example.org" not in stored
    assert "robin@example.org" not in caplog.text and "Robin" not in caplog.text


def test_support_requests_carry_the_request_outside_confidential_mode(
    app, client, factories, receiver, loopback_allowed
):
    request_id, events = _support_world(app, client, factories, receiver, confidential=False)
    created = events[0]["data"]
    assert created["id"] == request_id and created["confidential"] is False
    assert (created["name"], created["email"]) == ("Robin Reader", "robin@example.org")
    assert created["message"] == MESSAGE
    assert events[1]["data"]["previous_stage"] == "new"


def test_endpoints_get_only_what_they_asked_for_and_never_while_off(
    app, factories, receiver, loopback_allowed
):
    from saas.webhooks import endpoints
    from saas.webhooks.models import WebhookEndpoint

    pub = factories.publication()
    issues_only = add_endpoint(app, pub, receiver.url("/issues"), ["issue.published"])
    add_endpoint(app, pub, receiver.url("/readers"), ["subscriber.created"])
    switched_off = add_endpoint(app, pub, receiver.url("/off"), ["issue.published"])
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        endpoints.set_enabled(publication, db.session.get(WebhookEndpoint, switched_off.id), False)
    factories.issue(pub, publish=True)
    sent_events(app, receiver)
    assert [r.path for r in receiver.received] == ["/issues"]
    assert [d.endpoint_id for d in deliveries_of(app, pub)] == [issues_only.id]


def test_another_publications_events_never_reach_an_endpoint(
    app, factories, receiver, loopback_allowed
):
    mine = factories.publication()
    theirs = factories.publication()
    add_endpoint(app, mine, receiver.url(), ["issue.published"])
    factories.issue(theirs, publish=True)
    assert sent_events(app, receiver) == []


def test_a_suspended_publication_sends_no_events(app, factories, receiver, loopback_allowed):
    from saas.audience import subscribers
    from saas.core.model_base import utcnow

    pub = factories.publication()
    add_endpoint(app, pub, receiver.url(), SUBSCRIBER_EVENTS)
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        publication.suspended_at = utcnow()
        db.session.commit()
        subscribers.add_manually(publication, "lin@example.org", "Lin", False, "met at a talk")
    assert sent_events(app, receiver) == []
    assert deliveries_of(app, pub) == []
    # Back online, the next event goes out again.
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        publication.suspended_at = None
        db.session.commit()
        subscribers.add_manually(publication, "sam@example.org", "Sam", False, "a workshop")
    assert [e["data"]["email"] for e in sent_events(app, receiver)] == ["sam@example.org"]
