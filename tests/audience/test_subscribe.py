"""Readers subscribe with double opt-in, confirm, and leave in one click."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from saas.audience.models import Subscriber, SubscriberEvent
from saas.audience.reader_links import unsubscribe_url
from saas.core.extensions import db
from saas.core.tenancy import bound_to


@pytest.fixture()
def pub(factories):
    return factories.publication(slug="calm", name="Calm Letters", welcome_message="So glad.")


def _reader(app, pub, email):
    with app.app_context(), bound_to(pub.id):
        return db.session.scalar(select(Subscriber).where(Subscriber.email == email))


def _count(app, pub) -> int:
    with app.app_context(), bound_to(pub.id):
        return db.session.scalar(select(func.count()).select_from(Subscriber))


def _subscribe(client, email, **extra):
    return client.post("/p/calm/subscribe", data={"email": email, **extra})


def test_reader_subscribes_confirms_and_is_welcomed(app, client, pub, mailbox):
    response = _subscribe(client, "Ada@Example.org", name="Ada")
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    reader = _reader(app, pub, "ada@example.org")
    assert reader.status == "pending" and reader.name == "Ada"
    messages = mailbox.messages("ada@example.org")
    assert [m["Subject"] for m in messages] == ["Confirm your subscription to Calm Letters"]
    link = mailbox.last_link("ada@example.org", "/confirm/").replace("http://localhost", "")
    confirmed = client.get(link)
    assert confirmed.status_code == 200 and "subscribed" in confirmed.get_data(as_text=True)
    assert _reader(app, pub, "ada@example.org").status == "active"
    subjects = [m["Subject"] for m in mailbox.messages("ada@example.org")]
    assert subjects[-1] == "Welcome to Calm Letters"
    welcome = mailbox.messages("ada@example.org")[-1]
    assert "So glad." in welcome.get_body(preferencelist=("plain",)).get_content()
    # Clicking the link again changes nothing and sends no second welcome.
    assert client.get(link).status_code == 200
    assert len(mailbox.messages("ada@example.org")) == 2


def test_answer_never_reveals_whether_address_was_subscribed(app, client, pub, factories, mailbox):
    factories.subscriber(pub, email="known@example.org")
    known = _subscribe(client, "known@example.org")
    fresh = _subscribe(client, "fresh@example.org")
    assert known.status_code == fresh.status_code == 200
    assert known.get_data(as_text=True).replace("known@", "x@") == fresh.get_data(
        as_text=True
    ).replace("fresh@", "x@")
    # The confirmed reader stays active and gets no email.
    assert _reader(app, pub, "known@example.org").status == "active"
    assert mailbox.messages("known@example.org") == []


def test_pending_reader_can_ask_again_and_unsubscribed_reader_can_return(
    app, client, pub, factories, mailbox
):
    factories.subscriber(pub, email="gone@example.org", status="unsubscribed")
    _subscribe(client, "gone@example.org")
    assert _reader(app, pub, "gone@example.org").status == "unsubscribed"
    link = mailbox.last_link("gone@example.org", "/confirm/").replace("http://localhost", "")
    client.get(link)
    assert _reader(app, pub, "gone@example.org").status == "active"


def test_honeypot_stores_nothing_but_answers_the_same(app, client, pub, mailbox):
    response = _subscribe(client, "bot@example.org", website="http://spam.example")
    assert response.status_code == 200 and "Check your inbox" in response.get_data(as_text=True)
    assert _count(app, pub) == 0
    assert mailbox.messages() == []


@pytest.mark.parametrize(
    "email", ["", "not-an-email", "a@b", "x" * 250 + "@example.org", "<script>@x.org"]
)
def test_bad_addresses_get_a_clear_error_and_nothing_is_stored(app, client, pub, email):
    response = _subscribe(client, email)
    assert response.status_code == 422
    assert "Please fix the highlighted" in response.get_data(as_text=True)
    assert _count(app, pub) == 0


def test_rate_limits_per_address_and_per_ip(app, client, pub):
    statuses = [_subscribe(client, "same@example.org").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other_ip = app.test_client()
    statuses = [
        other_ip.post(
            "/p/calm/subscribe",
            data={"email": f"r{n}@example.org"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_unsubscribe_get_only_asks_and_post_works_without_cookies(app, pub, factories):
    reader = factories.subscriber(pub, email="leave@example.org")
    with app.app_context():
        url = unsubscribe_url(pub, reader.id).replace("http://localhost", "")
    browser = app.test_client()
    page = browser.get(url)
    assert page.status_code == 200 and "Unsubscribe from Calm Letters?" in page.get_data(
        as_text=True
    )
    assert _reader(app, pub, "leave@example.org").status == "active"
    # RFC 8058: a mail client POSTs "List-Unsubscribe=One-Click", no cookies, no CSRF token.
    mail_client = app.test_client(use_cookies=False)
    response = mail_client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert _reader(app, pub, "leave@example.org").status == "unsubscribed"
    with app.app_context(), bound_to(pub.id):
        kinds = list(db.session.scalars(select(SubscriberEvent.detail)))
    assert "one-click (List-Unsubscribe-Post)" in kinds
    # Repeating is harmless.
    assert mail_client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_forged_unsubscribe_tokens_are_refused(app, client, pub, factories):
    reader = factories.subscriber(pub, email="stay@example.org")
    assert client.post(f"/p/calm/unsubscribe/1-{reader.id}-aaaaaaaaaaaaaaaaaaaa").status_code == 404
    assert client.post("/p/calm/unsubscribe/garbage").status_code == 404
    assert _reader(app, pub, "stay@example.org").status == "active"


def test_subscribe_boxes_on_home_and_issue_pages(client, pub, factories):
    issue = factories.issue(pub, title="Hello", publish=True)
    for url in ["/p/calm/", f"/p/calm/issues/{issue.slug}", "/p/calm/subscribe"]:
        html = client.get(url).get_data(as_text=True)
        assert 'action="/p/calm/subscribe"' in html or 'method="post"' in html, url
        assert 'name="website"' in html  # honeypot present


def test_embed_form_can_be_framed_and_subscribes(app, client, pub, mailbox):
    page = client.get("/p/calm/embed/subscribe")
    assert page.status_code == 200
    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    assert "embed-frame.js" in page.get_data(as_text=True)
    response = client.post("/p/calm/embed/subscribe", data={"email": "embed@example.org"})
    assert response.status_code == 200
    reader = _reader(app, pub, "embed@example.org")
    assert reader.source == "embed" and reader.status == "pending"
    # Everything else still refuses framing.
    assert client.get("/p/calm/subscribe").headers["X-Frame-Options"] == "DENY"


def test_confirmation_link_for_another_publication_is_not_found(app, client, pub, factories):
    other = factories.publication(slug="other")
    reader = factories.subscriber(other, email="o@example.org", status="pending")
    with app.app_context(), bound_to(other.id):
        from saas.audience import subscribers

        link = subscribers.confirm_url(
            db.session.get(type(other), other.id), db.session.get(Subscriber, reader.id)
        )
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/p/calm/confirm/{token}").status_code == 404
    assert client.get("/p/calm/confirm/expired-or-garbage").status_code == 400


def test_the_per_address_limit_is_per_publication(app, client, factories):
    # Trying one list three times must not lock the address out of every other list.
    calm = factories.publication(slug="calm-two")
    other = factories.publication(slug="other-list")
    assert calm and other
    for _ in range(3):
        assert (
            client.post("/p/calm-two/subscribe", data={"email": "same@example.org"}).status_code
            == 200
        )
    assert (
        client.post("/p/calm-two/subscribe", data={"email": "same@example.org"}).status_code == 429
    )
    elsewhere = app.test_client()
    response = elsewhere.post(
        "/p/other-list/subscribe",
        data={"email": "same@example.org"},
        environ_base={"REMOTE_ADDR": "10.8.8.8"},
    )
    assert response.status_code == 200
