"""An owner manages endpoints under Integrations: add, reveal the secret, test, log, redeliver.

Through the real dashboard forms (CSRF included), against a receiving server on loopback.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.webhooks import signing
from saas.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import csrf_token, drain_jobs, login, post_form
from tests.webhook_helpers import deliveries_of, sent_events


@pytest.fixture()
def practice(app, factories, client):
    """Maya owns "practice" and is signed in; Eli edits it."""
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="practice", name="Calm Practice")
    editor = factories.user(email="eli@example.com", name="Eli")
    with app.app_context():
        from saas.publishing.models import ROLE_EDITOR, Membership

        db.session.add(Membership(user_id=editor.id, publication_id=pub.id, role=ROLE_EDITOR))
        db.session.commit()
    login(client, "maya@example.com")
    return pub


LIST = "/dashboard/practice/integrations"
BASE = LIST + "/webhooks"
DELIVERIES = LIST + "/deliveries"


def _endpoints(app, pub) -> list[WebhookEndpoint]:
    with app.app_context(), bound_to(pub.id):
        rows = list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))
        for row in rows:
            db.session.refresh(row)
            db.session.expunge(row)
        return rows


def _add(client, url: str, events: list[str], description: str = ""):
    data = {"url": url, "description": description, "events": events}
    return post_form(client, BASE + "/new", data, token_from=BASE + "/new")


def test_an_owner_adds_an_endpoint_reveals_its_secret_and_sends_a_test(
    app, client, practice, receiver, loopback_allowed
):
    page = client.get(LIST).get_data(as_text=True)
    assert "No endpoints yet" in page and "Tend-Signature" in page
    form = client.get(BASE + "/new").get_data(as_text=True)
    assert form.count('type="checkbox" name="events"') == 8 and form.count("checked") == 8

    response = _add(client, receiver.url(), ["issue.published", "reply.created"], "CRM")
    (endpoint,) = _endpoints(app, practice)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{BASE}/{endpoint.id}")
    assert (endpoint.url, endpoint.events, endpoint.enabled) == (
        receiver.url(),
        ["issue.published", "reply.created"],
        True,
    )
    shown = client.get(f"{BASE}/{endpoint.id}")
    assert shown.headers["Cache-Control"] == "no-store"
    assert endpoint.secret not in shown.get_data(as_text=True)
    revealed = post_form(client, f"{BASE}/{endpoint.id}/secret", {}, token_from=LIST)
    assert f'<code class="secret">{endpoint.secret}</code>' in revealed.get_data(as_text=True)

    tested = post_form(client, f"{BASE}/{endpoint.id}/test", {}, token_from=LIST)
    assert tested.status_code == 303
    (event,) = sent_events(app, receiver)
    assert event["type"] == "endpoint.test"
    request = receiver.received[0]
    assert signing.verify(endpoint.secret, request.headers["Tend-Signature"], request.body)
    log = client.get(f"{BASE}/{endpoint.id}").get_data(as_text=True)
    assert "endpoint.test" in log and "HTTP 200" in log and "(by hand)" in log


def test_a_new_secret_replaces_the_old_one(app, client, practice, receiver, loopback_allowed):
    _add(client, receiver.url(), ["issue.published"])
    (before,) = _endpoints(app, practice)
    page = post_form(client, f"{BASE}/{before.id}/secret/new", {}, token_from=LIST)
    (after,) = _endpoints(app, practice)
    assert after.secret != before.secret and after.secret.startswith("whsec_")
    assert after.secret in page.get_data(as_text=True)
    post_form(client, f"{BASE}/{after.id}/test", {}, token_from=LIST)
    sent_events(app, receiver)
    request = receiver.received[0]
    assert signing.verify(after.secret, request.headers["Tend-Signature"], request.body)
    assert not signing.verify(before.secret, request.headers["Tend-Signature"], request.body)


@pytest.mark.parametrize(
    ("url", "events", "says"),
    [
        ("http://10.0.0.4/hook", ["issue.published"], "a private network address"),
        ("http://169.254.169.254/latest/meta-data", ["issue.published"], "a link-local address"),
        ("http://[::ffff:192.168.0.1]/", ["issue.published"], "inside an IPv6 address"),
        ("ftp://example.com/hook", ["issue.published"], "Only http:// and https://"),
        ("https://me:pw@example.com/", ["issue.published"], "user name and password"),
        ("not an address", ["issue.published"], "without spaces"),
        ("https://93.184.215.14/hook", [], "Choose at least one event"),
        ("https://93.184.215.14/hook", ["nothing.real"], "Choose at least one event"),
        ("", ["issue.published"], "Enter the address"),
    ],
)
def test_addresses_and_events_tend_refuses_are_explained_and_nothing_is_saved(
    app, client, practice, url, events, says
):
    response = _add(client, url, events)
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert _endpoints(app, practice) == []


def test_a_loopback_address_is_refused_outside_tests_that_allow_it(app, client, practice):
    response = _add(client, "http://127.0.0.1:9/hook", ["issue.published"])
    assert response.status_code == 422 and "a loopback address" in response.get_data(as_text=True)


def test_edit_switch_off_and_on_and_delete(app, client, practice, receiver, loopback_allowed):
    _add(client, receiver.url("/a"), ["issue.published"])
    (endpoint,) = _endpoints(app, practice)
    page = f"{BASE}/{endpoint.id}"
    edited = post_form(
        client,
        page + "/edit",
        {"url": receiver.url("/b"), "events": ["reply.created"], "description": "Zapier"},
        token_from=page + "/edit",
    )
    assert edited.status_code == 303
    (endpoint,) = _endpoints(app, practice)
    assert (endpoint.url, endpoint.events, endpoint.description) == (
        receiver.url("/b"),
        ["reply.created"],
        "Zapier",
    )
    refused = post_form(
        client, page + "/edit", {"url": "http://10.1.1.1/", "events": ["reply.created"]}, page
    )
    assert refused.status_code == 422 and _endpoints(app, practice)[0].url == receiver.url("/b")

    post_form(client, page + "/switch", {"enabled": "off"}, token_from=page)
    assert _endpoints(app, practice)[0].enabled is False
    assert "Switch on" in client.get(page).get_data(as_text=True)
    post_form(client, page + "/switch", {"enabled": "on"}, token_from=page)
    assert _endpoints(app, practice)[0].enabled is True

    post_form(client, page + "/test", {}, token_from=page)
    drain_jobs(app)
    deleted = post_form(client, page + "/delete", {}, token_from=page)
    assert deleted.status_code == 303 and deleted.headers["Location"].endswith(LIST)
    assert _endpoints(app, practice) == []
    with app.app_context(), bound_to(practice.id):
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert client.get(page).status_code == 404


def test_a_delivery_page_shows_what_was_sent_and_redelivers_it(
    app, client, practice, factories, receiver, loopback_allowed
):
    receiver.answers = [{"status": 500, "body": b"<h1>oops</h1>"}, {"status": 200}]
    _add(client, receiver.url(), ["issue.published"])
    factories.issue(practice, title="On rest", publish=True)
    drain_jobs(app)
    (delivery,) = deliveries_of(app, practice)
    page = client.get(f"{DELIVERIES}/{delivery.id}").get_data(as_text=True)
    assert "HTTP 500" in page and "&lt;h1&gt;oops&lt;/h1&gt;" in page
    assert "&#34;title&#34;: &#34;On rest&#34;" in page or '"title": "On rest"' in page

    again = post_form(client, f"{DELIVERIES}/{delivery.id}/redeliver", {}, token_from=LIST)
    assert again.status_code == 303
    drain_jobs(app)
    first, second = deliveries_of(app, practice)
    assert again.headers["Location"].endswith(f"{DELIVERIES}/{second.id}")
    assert second.event_id == first.event_id and second.body == first.body and second.manual
    assert second.status == "delivered"
    bodies = [json.loads(r.body)["id"] for r in receiver.received]
    assert bodies == [first.event_id, first.event_id]


def test_editors_cannot_see_or_change_webhooks(app, practice, receiver, loopback_allowed):
    editor = app.test_client()
    login(editor, "eli@example.com")
    assert editor.get(LIST).status_code == 403
    assert editor.get(LIST + "/booking").status_code == 403
    token = csrf_token(editor, "/dashboard/practice/issues")
    response = editor.post(
        BASE + "/new",
        data={"url": receiver.url(), "events": ["issue.published"], "csrf_token": token},
    )
    assert response.status_code == 403
    assert _endpoints(app, practice) == []


def test_forms_without_a_csrf_token_change_nothing(
    app, client, practice, receiver, loopback_allowed
):
    response = client.post(
        BASE + "/new", data={"url": receiver.url(), "events": ["issue.published"]}
    )
    assert response.status_code == 400
    assert _endpoints(app, practice) == []


def test_the_dashboard_links_to_integrations_for_owners(app, client, practice):
    page = client.get("/dashboard/practice/issues").get_data(as_text=True)
    assert f'href="{LIST}"' in page and ">Integrations<" in page
