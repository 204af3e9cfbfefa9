"""Readers reply by email: the HTTP endpoint and the SMTP server store private replies,
and refuse or quarantine everything else without keeping strangers' data."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import logging
import smtplib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from saas.audience.models import Subscriber
from saas.audience.reader_links import reply_address, unsubscribe_mailto
from saas.core.extensions import db
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing.models import Publication
from saas.replies.models import Reply
from tests.reply_helpers import READER, replies_of, setup  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inbound"
SECRET = "inbound-test-secret"


@pytest.fixture()
def inbound(app):
    app.config["INBOUND_SECRET"] = SECRET
    yield
    app.config["INBOUND_SECRET"] = ""


def address(app, pub, issue_id: int, subscriber_id: int) -> str:
    with app.app_context():
        return reply_address(pub, issue_id, subscriber_id)


def message(name: str, to: str, sender: str = READER, issue_id=1, subscriber_id=1) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for placeholder, value in (
        (b"READER_ADDRESS", sender.encode()),
        (b"REPLY_ADDRESS", to.encode()),
        (b"ISSUE_ID", str(issue_id).encode()),
        (b"SUBSCRIBER_ID", str(subscriber_id).encode()),
    ):
        raw = raw.replace(placeholder, value)
    return raw


def post(client, raw: bytes, secret: str = SECRET, **headers):
    return client.post(
        "/inbound/email",
        data=raw,
        headers={"Content-Type": "message/rfc822", "X-Tend-Inbound-Secret": secret, **headers},
    )


def count_replies(app) -> int:
    with app.app_context(), cross_tenant():
        return db.session.scalar(select(func.count()).select_from(Reply))


def test_gmail_reply_is_stored_private_and_the_practitioner_told(
    app, client, inbound, setup, mailbox
):
    pub, issue, reader = setup
    to = address(app, pub, issue.id, reader.id)
    response = post(client, message("gmail.eml", to, issue_id=issue.id, subscriber_id=reader.id))
    assert response.status_code == 202 and response.json["result"] == "stored"
    [reply] = replies_of(app, pub)
    assert (reply.status, reply.channel, reply.subscriber_id) == ("private", "email", reader.id)
    assert reply.body_text.startswith("Thank you for this, Maya.")
    assert "wrote:" not in reply.body_text and "Writer, London" not in reply.body_text
    assert reply.message_id == "<CAGx8kZ3b9Vv2XnFqW1pQe0d@mail.gmail.com>"
    assert reply.read_at is None
    [note] = mailbox.messages("maya@example.com")
    assert "by email" in note["Subject"]
    # A private reply never shows on the issue's page.
    page = client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)
    assert "Thank you for this, Maya." not in page


@pytest.mark.parametrize(
    "fixture",
    [
        "gmail_html_only.eml",
        "outlook.eml",
        "outlook_desktop_latin1.eml",
        "apple_mail.eml",
        "apple_mail_html.eml",
        "plain_text_client.eml",
        "thunderbird_attachments.eml",
    ],
)
def test_every_clients_shape_is_stored(app, client, inbound, setup, fixture):
    pub, issue, reader = setup
    to = address(app, pub, issue.id, reader.id)
    raw = message(fixture, to, issue_id=issue.id, subscriber_id=reader.id)
    assert post(client, raw).status_code == 202
    [reply] = replies_of(app, pub)
    assert reply.body_text and "Maya Lindqvist" not in reply.body_text
    assert not any(line.startswith(">") for line in reply.body_text.splitlines())
    if fixture == "thunderbird_attachments.eml":
        assert reply.dropped_attachments == 2


def test_the_endpoint_is_off_without_a_secret_and_refuses_a_wrong_one(app, client, setup):
    pub, issue, reader = setup
    raw = message("gmail.eml", address(app, pub, issue.id, reader.id))
    assert post(client, raw).status_code == 404
    app.config["INBOUND_SECRET"] = SECRET
    try:
        assert post(client, raw, secret="guess").status_code == 403
        assert post(client, raw, secret="").status_code == 403
    finally:
        app.config["INBOUND_SECRET"] = ""
    assert count_replies(app) == 0


def test_oversize_messages_get_413(app, client, inbound, setup):
    pub, issue, reader = setup
    raw = message("gmail.eml", address(app, pub, issue.id, reader.id))
    app.config["INBOUND_MAX_BYTES"] = 1024
    try:
        assert post(client, raw).status_code == 413
        big = raw + b"x" * 200_000
        assert post(client, big).status_code == 413
    finally:
        app.config["INBOUND_MAX_BYTES"] = 10 * 1024 * 1024
    assert count_replies(app) == 0


def test_form_field_and_envelope_recipient_are_accepted(app, client, inbound, setup):
    pub, issue, reader = setup
    to = address(app, pub, issue.id, reader.id)
    # The To header names someone else; the envelope recipient carries the token.
    raw = message("plain_text_client.eml", "maya@example.com")
    response = client.post(
        "/inbound/email",
        data={"message": raw.decode("latin-1"), "recipient": to},
        headers={"X-Tend-Inbound-Secret": SECRET},
    )
    assert response.status_code == 202, response.json
    assert count_replies(app) == 1


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("forged", "forged_token"),
        ("no_token", "no_token"),
        ("unknown_issue", "unknown_issue"),
        ("unknown_reader", "unknown_reader"),
        ("stranger_sender", "sender_mismatch"),
        ("unsubscribed", "not_subscribed"),
        ("other_publication_reader", "unknown_reader"),
        ("draft", "issue_unavailable"),
        ("auto_reply", "automatic"),
    ],
)
def test_forged_unknown_and_unwanted_mail_is_quarantined_without_personal_data(
    app, client, inbound, setup, factories, caplog, case, reason
):
    pub, issue, reader = setup
    other = factories.publication(slug="other", name="Other Letters")
    outsider = factories.subscriber(other, email="out@example.org")
    gone = factories.subscriber(pub, email="gone@example.org", status="unsubscribed")
    draft = factories.issue(pub, title="Draft", slug="draft")
    good = address(app, pub, issue.id, reader.id)
    domain = good.rpartition("@")[2]
    fixture, sender = "gmail.eml", READER
    to = {
        "forged": good.replace(good.split("-")[-1].split("@")[0], "aaaaaaaaaaaaaaaaaaaa"),
        "no_token": "maya@example.com",
        "unknown_issue": address(app, pub, 999_999, reader.id),
        "unknown_reader": address(app, pub, issue.id, 999_999),
        "stranger_sender": good,
        "unsubscribed": address(app, pub, issue.id, gone.id),
        "other_publication_reader": address(app, pub, issue.id, outsider.id),
        "draft": address(app, pub, draft.id, reader.id),
        "auto_reply": good,
    }[case]
    if case == "stranger_sender":
        sender = "mallory@evil.example"
    if case == "unsubscribed":
        sender = "gone@example.org"
    if case == "other_publication_reader":
        sender = "out@example.org"
    if case == "auto_reply":
        fixture = "auto_reply.eml"
    assert domain in to or case == "no_token"
    with caplog.at_level(logging.INFO, logger="saas"):
        response = post(client, message(fixture, to, sender=sender))
    assert response.status_code == 200
    assert response.json == {"result": "quarantined", "reason": reason}
    assert count_replies(app) == 0
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"quarantined: {reason}" in logged
    assert "@" not in logged.replace(domain, "")  # no address of anyone in the log


def test_the_same_message_delivered_twice_is_stored_once(app, client, inbound, setup):
    pub, issue, reader = setup
    raw = message("outlook.eml", address(app, pub, issue.id, reader.id))
    assert post(client, raw).json["result"] == "stored"
    assert post(client, raw).json["result"] == "duplicate"
    assert count_replies(app) == 1


def test_blocked_reader_mail_is_quarantined(app, client, inbound, setup):
    pub, issue, reader = setup
    from saas.replies import moderation as reply_moderation

    with app.app_context(), bound_to(pub.id):
        reply_moderation.set_blocked(db.session.get(Publication, pub.id), reader.id, True)
    response = post(client, message("gmail.eml", address(app, pub, issue.id, reader.id)))
    assert response.json == {"result": "quarantined", "reason": "blocked"}


def test_sender_match_ignores_case(app, client, inbound, setup):
    pub, issue, reader = setup
    raw = message("gmail.eml", address(app, pub, issue.id, reader.id), sender="Ada@Example.ORG")
    assert post(client, raw).json["result"] == "stored"


def test_list_unsubscribe_mailto_unsubscribes_the_reader(app, client, inbound, setup):
    pub, issue, reader = setup
    with app.app_context():
        to = unsubscribe_mailto(pub, reader.id).removeprefix("mailto:").split("?")[0]
    raw = (
        f"From: {READER}\r\nTo: {to}\r\nSubject: unsubscribe\r\nMessage-ID: <u1@example.org>\r\n"
        "\r\nunsubscribe\r\n"
    ).encode()
    assert post(client, raw).json["result"] == "unsubscribed"
    with app.app_context(), bound_to(pub.id):
        assert db.session.get(Subscriber, reader.id).status == "unsubscribed"
    forged = raw.replace(to.split("@")[0].encode(), b"unsubscribe+1-1-forgedforgedforged")
    assert post(client, forged).json == {"result": "quarantined", "reason": "forged_token"}


def test_a_reply_to_an_emailed_answer_threads_under_it(app, client, inbound, setup, mailbox):
    pub, issue, reader = setup
    first = message("gmail.eml", address(app, pub, issue.id, reader.id))
    post(client, first)
    [question] = replies_of(app, pub)
    from saas.accounts.models import User
    from saas.replies import moderation as reply_moderation

    with app.app_context(), bound_to(pub.id):
        owner = db.session.scalar(select(User).where(User.email == "maya@example.com"))
        answer = reply_moderation.answer(
            db.session.get(Publication, pub.id),
            db.session.get(Reply, question.id),
            owner,
            "So glad it helped.",
            "email",
        )
        answer_id, answer_message_id = answer.id, answer.message_id
    sent = mailbox.messages(READER)[-1]
    assert sent["Message-ID"] == answer_message_id
    follow_up = first.replace(
        b"<CAGx8kZ3b9Vv2XnFqW1pQe0d@mail.gmail.com>", b"<second@mail.gmail.com>"
    ).replace(b"References: <issue-", f"References: {answer_message_id} <issue-".encode())
    assert post(client, follow_up).json["result"] == "stored"
    newest = replies_of(app, pub)[-1]
    assert newest.answer_to_id == answer_id and newest.parent_id == question.id


def test_smtp_server_stores_replies_and_refuses_unknown_recipients(app, setup):
    from worker.inbound import InboundServer

    pub, issue, reader = setup
    to = address(app, pub, issue.id, reader.id)
    server = InboundServer(app, host="127.0.0.1", port=0)
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as smtp:
            smtp.sendmail(READER, [to], message("plain_text_client.eml", to))
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail(
                    READER, ["reply+1-1-forged@in.tend.localhost"], b"Subject: x\r\n\r\nx"
                )
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail(READER, ["someone@elsewhere.example"], b"Subject: x\r\n\r\nx")
    finally:
        server.stop()
    [reply] = replies_of(app, pub)
    assert reply.body_text.startswith("The walk without headphones.")
