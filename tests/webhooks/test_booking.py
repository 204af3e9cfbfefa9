"""Booking links: an answer carries the practitioner's booking page, and bookings come back.

Cal.com and Calendly deliveries are built as those providers document them and signed as
they sign them; the request they name (by reference, or by the address the reader booked
with) moves to Booked with a line in its timeline. Anything unsigned, wrongly signed, stale
or malformed is a 4xx and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.support.models import SupportEvent, SupportRequest
from saas.webhooks.models import BookingLink, BookingReceipt
from tests.conftest import drain_jobs, login, post_form
from tests.support_helpers import send_support
from tests.webhook_helpers import add_endpoint, sent_events

SETTINGS = "/dashboard/practice/integrations/booking"


@pytest.fixture()
def practice(app, factories, client):
    """Maya's practice (Europe/London) with one support request from Robin; Maya signed in."""
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(
        owner=owner, slug="practice", name="Calm Practice", timezone="Europe/London"
    )
    send_support(client, app, pub, name="Robin Reader", email="robin@example.org")
    drain_jobs(app)  # its acknowledgement and notification are in the timeline already
    login(client, "maya@example.com")
    return pub


def _request(app, pub) -> SupportRequest:
    with app.app_context(), bound_to(pub.id):
        row = db.session.scalar(select(SupportRequest).order_by(SupportRequest.id.desc()))
        db.session.expunge(row)
        return row


def _timeline(app, pub, request_id: int) -> list[tuple[str, str]]:
    with app.app_context(), bound_to(pub.id):
        return [
            (e.kind, e.detail)
            for e in db.session.scalars(
                select(SupportEvent)
                .where(SupportEvent.request_id == request_id)
                .order_by(SupportEvent.id)
            )
        ]


def _set_link(client, provider: str, url: str):
    return post_form(client, SETTINGS, {"provider": provider, "url": url}, token_from=SETTINGS)


def _link(app, pub) -> BookingLink:
    with app.app_context(), bound_to(pub.id):
        row = db.session.scalar(select(BookingLink))
        db.session.refresh(row)
        db.session.expunge(row)
        return row


def _calcom(secret: str, document: dict) -> tuple[bytes, dict]:
    body = json.dumps(document).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Cal-Signature-256": signature, "Content-Type": "application/json"}


def _calendly(secret: str, document: dict, at: int | None = None) -> tuple[bytes, dict]:
    body = json.dumps(document).encode()
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Calendly-Webhook-Signature": f"t={at},v1={digest}"}


def calcom_booking(email: str, reference: str | None = None, uid: str = "bk_8Kz2") -> dict:
    """A BOOKING_CREATED delivery shaped as Cal.com sends it."""
    return {
        "triggerEvent": "BOOKING_CREATED",
        "createdAt": "2026-12-06T09:00:00.000Z",
        "payload": {
            "type": "intro",
            "title": "Intro call between Maya and a reader",
            "startTime": "2026-12-09T10:00:00Z",
            "endTime": "2026-12-09T10:30:00Z",
            "uid": uid,
            "attendees": [{"email": email, "name": "Robin", "timeZone": "Europe/London"}],
            "responses": {"email": {"label": "Email", "value": email}},
            "metadata": {"tend_ref": reference} if reference else {},
        },
    }


def calendly_booking(email: str, reference: str | None = None) -> dict:
    """An invitee.created delivery shaped as Calendly sends it."""
    return {
        "event": "invitee.created",
        "created_at": "2026-12-06T09:00:00.000000Z",
        "payload": {
            "uri": "https://api.calendly.com/scheduled_events/EV1/invitees/INV1",
            "email": email,
            "name": "Robin Reader",
            "status": "active",
            "scheduled_event": {"start_time": "2026-07-01T15:30:00.000000Z"},
            "tracking": {"utm_content": reference, "utm_source": None},
        },
    }


def _post(client, link: BookingLink, body: bytes, headers: dict):
    return client.post(f"/hooks/booking/{link.inbound_token}", data=body, headers=headers)


def test_an_answer_can_carry_the_booking_link_with_the_requests_reference(
    app, client, practice, mailbox
):
    request = _request(app, practice)
    page = f"/dashboard/practice/support/{request.id}"
    assert "Add my booking link" not in client.get(page).get_data(as_text=True)
    assert _set_link(client, "calcom", "https://cal.com/maya/intro?duration=30").status_code == 303

    shown = client.get(page).get_data(as_text=True)
    assert "Add my booking link" in shown
    post_form(client, page + "/answer", {"answer": "Happy to talk.", "add": "booking"}, page)
    post_form(client, page + "/answer", {"answer": "One more thing."}, page)

    answers = [
        m.get_body(preferencelist=("plain",)).get_content()
        for m in mailbox.messages("robin@example.org")
        if "Happy to talk" in str(m.get_body(preferencelist=("plain",)).get_content())
        or "One more thing" in str(m.get_body(preferencelist=("plain",)).get_content())
    ]
    with_link, without = answers
    link = re.search(r"https://cal\.com/\S+", with_link).group(0)
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/maya/intro" and query["duration"] == ["30"]
    assert re.fullmatch(rf"tend-{request.id}-[0-9a-f]{{16}}", query["metadata[tend_ref]"][0])
    assert "Book a time that suits you:" in with_link
    assert "cal.com" not in without


def test_a_calcom_booking_with_the_reference_moves_the_request_to_booked(
    app, client, practice, receiver, loopback_allowed, caplog
):
    _set_link(client, "calcom", "https://cal.com/maya/intro")
    link = _link(app, practice)
    request = _request(app, practice)
    page = f"/dashboard/practice/support/{request.id}"
    post_form(client, page + "/stage", {"stage": "contacted"}, token_from=page)
    add_endpoint(app, practice, receiver.url(), ["support_request.stage_changed"])
    shown = client.get(page).get_data(as_text=True)
    reference = re.search(r"tend_ref%5D=(tend-[0-9a-f-]+)", shown).group(1)

    # Robin booked with another address: the reference still finds the request.
    body, headers = _calcom(link.signing_secret, calcom_booking("r.reader@work.example", reference))
    response = _post(client, link, body, headers)
    assert response.status_code == 200 and response.get_json() == {"outcome": "booked"}
    assert _request(app, practice).stage == "booked"
    timeline = _timeline(app, practice, request.id)
    assert ("booked", "Booked through Cal.com for 9 Dec 2026, 10:00") in timeline
    assert timeline[-1] == ("stage", "Contacted → Booked")
    (event,) = sent_events(app, receiver)
    assert event["data"] == {
        "id": request.id,
        "stage": "booked",
        "previous_stage": "contacted",
        "confidential": True,
    }

    # Cal.com retries: the same booking counts once.
    again = _post(client, link, body, headers)
    assert again.status_code == 200 and again.get_json() == {"outcome": "duplicate"}
    drain_jobs(app)
    assert _timeline(app, practice, request.id) == timeline
    with app.app_context(), bound_to(practice.id):
        receipt = db.session.scalar(select(BookingReceipt))
        assert (receipt.request_id, receipt.matched_by) == (request.id, "reference")
    assert "robin@example.org" not in caplog.text and "r.reader@work" not in caplog.text


def test_a_calendly_booking_is_matched_by_the_address_the_reader_booked_with(app, client, practice):
    _set_link(client, "calendly", "https://calendly.com/maya/30min")
    link = _link(app, practice)
    request = _request(app, practice)
    stale_body, stale = _calendly(
        link.signing_secret, calendly_booking("Robin@Example.org"), int(time.time()) - 600
    )
    assert _post(client, link, stale_body, stale).status_code == 401
    assert _request(app, practice).stage == "new"

    body, headers = _calendly(link.signing_secret, calendly_booking("Robin@Example.org"))
    response = _post(client, link, body, headers)
    assert response.get_json() == {"outcome": "booked"}
    assert _request(app, practice).stage == "booked"
    assert ("booked", "Booked through Calendly for 1 Jul 2026, 16:30") in _timeline(
        app, practice, request.id
    )
    with app.app_context(), bound_to(practice.id):
        assert db.session.scalar(select(BookingReceipt.matched_by)) == "email"


def test_a_calendly_link_carries_the_reference_as_utm_content(app, client, practice):
    _set_link(client, "calendly", "https://calendly.com/maya/30min?utm_content=old")
    request = _request(app, practice)
    shown = client.get(f"/dashboard/practice/support/{request.id}").get_data(as_text=True)
    link = re.search(r"https://calendly\.com/[^\s<\"]+", shown).group(0).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query)["utm_content"][0].startswith(f"tend-{request.id}-")
    link_row = _link(app, practice)
    reference = parse_qs(urlsplit(link).query)["utm_content"][0]
    body, headers = _calendly(
        link_row.signing_secret, calendly_booking("someone.else@example.org", reference)
    )
    assert _post(client, link_row, body, headers).get_json() == {"outcome": "booked"}


def test_a_booking_nobody_asked_for_changes_nothing(app, client, practice):
    _set_link(client, "calcom", "https://cal.com/maya/intro")
    link = _link(app, practice)
    forged = "tend-1-0000000000000000"  # the right shape, not Tend's check
    body, headers = _calcom(link.signing_secret, calcom_booking("stranger@example.org", forged))
    response = _post(client, link, body, headers)
    assert response.get_json() == {"outcome": "unmatched"}
    assert _request(app, practice).stage == "new"


def test_a_reference_from_another_publication_finds_nothing_here(app, client, factories, practice):
    from saas.webhooks.booking_links import reference

    other = factories.publication(slug="elsewhere")
    theirs = factories.support_request(other, email="someone@example.org")
    _set_link(client, "calcom", "https://cal.com/maya/intro")
    link = _link(app, practice)
    with app.app_context():
        their_reference = reference(other.id, theirs.id)
    body, headers = _calcom(
        link.signing_secret, calcom_booking("nobody@example.org", their_reference)
    )
    assert _post(client, link, body, headers).get_json() == {"outcome": "unmatched"}
    with app.app_context(), bound_to(other.id):
        assert db.session.get(SupportRequest, theirs.id).stage == "new"


def test_a_request_marked_spam_stays_spam(app, client, practice):
    request = _request(app, practice)
    page = f"/dashboard/practice/support/{request.id}"
    post_form(client, page + "/stage", {"stage": "spam"}, token_from=page)
    _set_link(client, "calcom", "https://cal.com/maya/intro")
    link = _link(app, practice)
    body, headers = _calcom(link.signing_secret, calcom_booking("robin@example.org"))
    assert _post(client, link, body, headers).get_json() == {"outcome": "unmatched"}
    assert _request(app, practice).stage == "spam"


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("unknown address", 404),
        ("no signature", 401),
        ("wrong signature", 401),
        ("signed with another secret", 401),
        ("not json", 400),
        ("a json list", 400),
        ("a booking without its payload", 400),
        ("nested past any parser", 400),
        ("too large", 413),
    ],
)
def test_bad_deliveries_are_refused_with_a_4xx_and_change_nothing(
    app, client, practice, case, status
):
    _set_link(client, "calcom", "https://cal.com/maya/intro")
    link = _link(app, practice)
    good_body, good = _calcom(link.signing_secret, calcom_booking("robin@example.org"))
    secret = link.signing_secret
    signed = {
        "not json": b"{not json",
        "a json list": b"[1, 2]",
        "a booking without its payload": b'{"triggerEvent": "BOOKING_CREATED"}',
        "nested past any parser": _deep(100_000),
        "too large": b'{"pad": "' + b"x" * 300_000 + b'"}',
    }
    url = f"/hooks/booking/{link.inbound_token}"
    if case == "unknown address":
        response = client.post("/hooks/booking/not-a-token", data=good_body, headers=good)
    elif case == "no signature":
        response = client.post(url, data=good_body)
    elif case == "wrong signature":
        response = client.post(url, data=good_body, headers={"X-Cal-Signature-256": "ab" * 32})
    elif case == "signed with another secret":
        other_body, other = _calcom("whsec_not-this-one", calcom_booking("robin@example.org"))
        response = client.post(url, data=other_body, headers=other)
    else:
        body = signed[case]
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        response = client.post(url, data=body, headers={"X-Cal-Signature-256": digest})
    assert response.status_code == status
    assert _request(app, practice).stage == "new"
    with app.app_context(), bound_to(practice.id):
        assert db.session.scalar(select(BookingReceipt.id)) is None


def test_other_cal_com_events_are_acknowledged_and_left(app, client, practice):
    _set_link(client, "calcom", "https://cal.com/maya/intro")
    link = _link(app, practice)
    cancelled = calcom_booking("robin@example.org")
    cancelled["triggerEvent"] = "BOOKING_CANCELLED"
    body, headers = _calcom(link.signing_secret, cancelled)
    assert _post(client, link, body, headers).get_json() == {"outcome": "ignored"}
    assert _request(app, practice).stage == "new"


def test_a_booking_page_elsewhere_takes_no_webhooks(app, client, practice):
    _set_link(client, "other", "https://book.example.com/maya")
    link = _link(app, practice)
    body, headers = _calcom(link.signing_secret, calcom_booking("robin@example.org"))
    assert _post(client, link, body, headers).status_code == 401
    request = _request(app, practice)
    shown = client.get(f"/dashboard/practice/support/{request.id}").get_data(as_text=True)
    assert f"https://book.example.com/maya?tend_ref=tend-{request.id}-" in shown


def test_the_settings_page_shows_the_address_and_secret_and_a_new_secret_takes_over(
    app, client, practice
):
    page = client.get(SETTINGS).get_data(as_text=True)
    assert "Save booking link" in page and "Bookings back into Tend" not in page
    refused = _set_link(client, "calcom", "javascript:alert(1)")
    assert refused.status_code == 422 and "Only http:// and https://" in refused.get_data(
        as_text=True
    )
    _set_link(client, "calcom", "https://cal.com/maya/intro")
    old = _link(app, practice)
    page = client.get(SETTINGS)
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert f"http://localhost/hooks/booking/{old.inbound_token}" in text
    assert old.signing_secret not in text
    revealed = post_form(client, SETTINGS + "/secret", {}, token_from=SETTINGS)
    assert old.signing_secret in revealed.get_data(as_text=True)

    post_form(client, SETTINGS + "/secret/new", {}, token_from=SETTINGS)
    new = _link(app, practice)
    assert new.signing_secret != old.signing_secret
    assert new.inbound_token == old.inbound_token
    body, headers = _calcom(old.signing_secret, calcom_booking("robin@example.org"))
    assert _post(client, new, body, headers).status_code == 401
    body, headers = _calcom(new.signing_secret, calcom_booking("robin@example.org"))
    assert _post(client, new, body, headers).status_code == 200

    removed = post_form(client, SETTINGS + "/remove", {}, token_from=SETTINGS)
    assert removed.status_code == 303
    assert _post(client, new, body, headers).status_code == 404
