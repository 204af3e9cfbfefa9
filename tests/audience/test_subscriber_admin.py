"""The practitioner's list: keyset pages, search, filters, manual add, tags, erase, export."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from saas.audience.models import Subscriber, SubscriberEvent
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.delivery.models import Delivery, Send
from tests.conftest import csrf_token, login, post_form


@pytest.fixture()
def owner_pub(factories, client):
    owner = factories.user(email="o@example.com")
    pub = factories.publication(owner=owner, slug="calm", name="Calm")
    login(client, "o@example.com")
    return pub


def _bulk_readers(app, pub, count: int, status: str = "active", prefix: str = "r") -> None:
    start = utcnow() - timedelta(days=1)
    rows = [
        {
            "publication_id": pub.id,
            "email": f"{prefix}{n:04d}@example.org",
            "name": f"Reader {n}",
            "status": status,
            "source": "form",
            "consent_note": "",
            "imported": False,
            "hard_bounces": 0,
            # Same timestamp for pairs, so the id tie-breaker matters.
            "created_at": start + timedelta(seconds=n // 2),
        }
        for n in range(count)
    ]
    with app.app_context(), bound_to(pub.id):
        db.session.execute(insert(Subscriber), rows)
        db.session.commit()


def _emails(html: str) -> list[str]:
    return re.findall(r">([a-z0-9]+@example\.org)</a>", html)


def _cursor(html: str, rel: str) -> str | None:
    match = re.search(rf"{rel}=([A-Za-z0-9_\-]+)", html)
    return match.group(1) if match else None


@pytest.mark.parametrize("sort", ["newest", "oldest", "email"])
def test_keyset_pages_walk_forward_and_back_without_gaps(app, client, owner_pub, sort):
    _bulk_readers(app, owner_pub, 123)
    seen: list[str] = []
    pages: list[list[str]] = []
    url = f"/dashboard/calm/subscribers?sort={sort}"
    while True:
        html = client.get(url).get_data(as_text=True)
        emails = _emails(html)
        pages.append(emails)
        seen.extend(emails)
        after = _cursor(html, "after")
        if not after:
            break
        url = f"/dashboard/calm/subscribers?sort={sort}&after={after}"
    assert [len(p) for p in pages] == [50, 50, 23]
    assert len(seen) == len(set(seen)) == 123
    if sort == "email":
        assert seen == sorted(seen)
    # And back from the last page.
    html = client.get(url).get_data(as_text=True)
    before = _cursor(html, "before")
    back = _emails(
        client.get(f"/dashboard/calm/subscribers?sort={sort}&before={before}").data.decode()
    )
    assert back == pages[1]


def test_search_filter_and_junk_parameters(app, client, owner_pub, factories):
    factories.subscriber(owner_pub, email="ada@example.org", name="Ada Lovelace")
    factories.subscriber(owner_pub, email="bob@example.org", name="Bob", status="pending")
    factories.subscriber(owner_pub, email="cy@example.org", name="Cy", status="unsubscribed")
    base = "/dashboard/calm/subscribers"
    assert _emails(client.get(base + "?q=ADA").data.decode()) == ["ada@example.org"]
    assert _emails(client.get(base + "?q=lovelace").data.decode()) == ["ada@example.org"]
    assert _emails(client.get(base + "?status=pending").data.decode()) == ["bob@example.org"]
    assert _emails(client.get(base + "?q=%25").data.decode()) == []  # a literal %, not a wildcard
    for junk in [
        "?after=%%%",
        "?before=abc",
        "?status=nope&tag=x&sort=sideways",
        "?q=" + "z" * 999,
    ]:
        assert client.get(base + junk).status_code == 200


def test_manual_add_with_tags_and_consent_and_bad_input(app, client, owner_pub, mailbox):
    url = "/dashboard/calm/subscribers/new"
    data = {
        "email": "New@Example.org",
        "name": "New",
        "tags": "client, retreat;client",
        "consent_note": "Asked after our session",
    }
    response = post_form(client, url, {**data, "ask_to_confirm": ""}, token_from=url)
    assert response.status_code == 302
    with app.app_context(), bound_to(owner_pub.id):
        reader = db.session.scalar(select(Subscriber).where(Subscriber.email == "new@example.org"))
        assert reader.status == "active" and reader.source == "manual"
        assert sorted(t.name for t in reader.tags) == ["client", "retreat"]
        assert reader.consent_note == "Asked after our session"
    assert mailbox.messages("new@example.org") == []
    again = post_form(client, url, data, token_from=url)
    assert again.status_code == 422 and "already on your list" in again.get_data(as_text=True)
    for bad in [{"email": "nope"}, {"consent_note": ""}, {"name": "n" * 121}]:
        assert (
            post_form(
                client, url, {**data, "email": "x@example.org", **bad}, token_from=url
            ).status_code
            == 422
        )
    with app.app_context(), bound_to(owner_pub.id):
        assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 1
    # Asking to confirm sends the double opt-in mail and leaves them pending.
    post_form(
        client, url, {**data, "email": "ask@example.org", "ask_to_confirm": "y"}, token_from=url
    )
    assert [m["Subject"] for m in mailbox.messages("ask@example.org")] == [
        "Confirm your subscription to Calm"
    ]


def test_tag_filter_and_tag_removal(app, client, owner_pub, factories):
    reader = factories.subscriber(owner_pub, email="t@example.org")
    factories.subscriber(owner_pub, email="u@example.org")
    detail = f"/dashboard/calm/subscribers/{reader.id}"
    post_form(client, detail + "/tags", {"tags": "vip"}, token_from=detail)
    html = client.get(detail).get_data(as_text=True)
    assert "vip" in html
    tag_id = re.search(r"/tags/(\d+)/remove", html).group(1)
    listing = client.get(f"/dashboard/calm/subscribers?tag={tag_id}").get_data(as_text=True)
    assert _emails(listing) == ["t@example.org"]
    post_form(client, f"{detail}/tags/{tag_id}/remove", {}, token_from=detail)
    assert _emails(client.get(f"/dashboard/calm/subscribers?tag={tag_id}").data.decode()) == []


def test_erase_removes_personal_data_but_keeps_send_counts(app, client, owner_pub, factories):
    reader = factories.subscriber(owner_pub, email="erase@example.org")
    issue = factories.issue(owner_pub, publish=True)
    with app.app_context(), bound_to(owner_pub.id):
        send = Send(publication_id=owner_pub.id, issue_id=issue.id, status="done", total=1)
        db.session.add(send)
        db.session.flush()
        db.session.add(
            Delivery(
                publication_id=owner_pub.id,
                send_id=send.id,
                issue_id=issue.id,
                subscriber_id=reader.id,
                email=reader.email,
                status="sent",
            )
        )
        db.session.commit()
    detail = f"/dashboard/calm/subscribers/{reader.id}"
    export = client.get(detail + "/export.json")
    assert export.status_code == 200 and export.get_json()["email"] == "erase@example.org"
    assert export.get_json()["deliveries"][0]["status"] == "sent"
    token = csrf_token(client, detail)
    response = client.post(detail + "/delete", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get(detail).status_code == 404
    with app.app_context(), bound_to(owner_pub.id):
        assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 0
        assert db.session.scalar(select(func.count()).select_from(SubscriberEvent)) == 0
        delivery = db.session.scalar(select(Delivery))
        assert delivery.email == "erased" and delivery.subscriber_id is None


def test_history_shows_subscribe_confirm_and_unsubscribe(app, client, owner_pub, mailbox):
    anonymous = app.test_client()
    anonymous.post("/p/calm/subscribe", data={"email": "h@example.org"})
    link = mailbox.last_link("h@example.org", "/confirm/").replace("http://localhost", "")
    anonymous.get(link)
    with app.app_context(), bound_to(owner_pub.id):
        reader_id = db.session.scalar(select(Subscriber.id))
    detail = f"/dashboard/calm/subscribers/{reader_id}"
    post_form(client, detail + "/unsubscribe", {}, token_from=detail)
    html = client.get(detail).get_data(as_text=True)
    for kind in ["subscribed", "confirmed", "unsubscribed"]:
        assert f"<strong>{kind}</strong>" in html


def test_grow_page_shows_embed_snippet(client, owner_pub):
    html = client.get("/dashboard/calm/grow").get_data(as_text=True)
    assert "data-tend-subscribe=&#34;http://localhost/p/calm/embed/subscribe&#34;" in html or (
        "data-tend-subscribe" in html and "/p/calm/embed/subscribe" in html
    )
    assert "js/embed.js" in html
