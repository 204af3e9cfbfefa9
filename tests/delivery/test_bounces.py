"""Bounces and complaints come back to each delivery's VERP address and act on its reader:
hard bounces suppress at once, soft ones after a few, complaints unsubscribe and go on the
platform-wide list; forged, malformed or huge mail suppresses nobody."""

from __future__ import annotations

import smtplib

import pytest
from sqlalchemy import select

from saas.core.extensions import db
from saas.core.tenancy import cross_tenant
from saas.delivery import suppression, verp
from saas.delivery.bounce_models import BounceEvent, PlatformSuppression
from tests.conftest import drain_jobs
from tests.delivery.bounce_helpers import (
    SECRET,
    deliveries,
    history,
    post,
    reader,
    returned,
    send_issue,
)


@pytest.fixture()
def inbound(app):
    app.config["INBOUND_SECRET"] = SECRET
    yield
    app.config["INBOUND_SECRET"] = ""


@pytest.fixture()
def sent(app, factories, smtp_sink, inbound):
    """An issue sent to Ada and Grace; their deliveries' envelope senders."""
    owner = factories.user(email="maya@example.com", name="Maya Lin")
    pub = factories.publication(owner=owner, slug="letters", name="Calm Letters")
    factories.subscriber(pub, email="ada@example.org", name="Ada")
    factories.subscriber(pub, email="grace@example.org", name="Grace")
    issue = factories.issue(pub, title="On slowing down", publish=True)
    send_issue(app, pub, issue)
    drain_jobs(app)
    envelopes = {rcpts[0]: mail_from for mail_from, rcpts in smtp_sink.envelopes}
    return pub, issue, envelopes


def test_every_delivery_goes_out_from_its_own_signed_verp_address(app, sent):
    pub, _, envelopes = sent
    rows = deliveries(app, pub)
    assert set(envelopes) == {"ada@example.org", "grace@example.org"}
    with app.app_context():
        for email, mail_from in envelopes.items():
            local, _, domain = mail_from.partition("@")
            assert local.startswith("bounce+") and len(local) <= 64
            assert domain == "bounces.tend.localhost"
            assert verp.read_return_path(mail_from) == rows[email].id
            # Changing the id, or the MAC, breaks the signature.
            number, mac = local[len("bounce+") :].split("-")
            assert verp.read_return_path(f"bounce+{int(number) + 1}-{mac}@{domain}") is None
            other = "b" if mac.endswith("a") else "a"
            assert verp.read_return_path(f"bounce+{number}-{mac[:-1]}{other}@{domain}") is None
            # A mail server that upper-cases the address changes nothing.
            assert verp.read_return_path(mail_from.upper()) == rows[email].id


def test_hard_bounce_suppresses_the_reader_at_once_and_the_next_send_skips_her(
    app, client, factories, sent, smtp_sink
):
    pub, _, envelopes = sent
    raw = returned(
        "gmail-1.eml", envelopes["ada@example.org"], "ada@example.org", "nobody.here@gmail.com"
    )
    response = post(client, raw)
    assert response.status_code == 202 and response.json["result"] == "bounce"
    ada = reader(app, pub, "ada@example.org")
    assert ada.status == "bounced"
    assert deliveries(app, pub)["ada@example.org"].status == "bounced"
    events = history(app, pub, ada.id)
    assert [kind for kind, _ in events][-2:] == ["hard_bounce", "suppressed"]
    assert "5.1.1" in events[-2][1] and "ada@example.org" not in events[-2][1]
    assert reader(app, pub, "grace@example.org").status == "active"

    smtp_sink.clear()
    next_issue = factories.issue(pub, title="On listening", publish=True)
    send_issue(app, pub, next_issue)
    drain_jobs(app)
    assert [rcpts for _, rcpts in smtp_sink.envelopes] == [["grace@example.org"]]

    # The same report again changes nothing.
    again = post(client, raw)
    assert again.status_code == 202
    with app.app_context(), cross_tenant():
        assert len(db.session.scalars(select(BounceEvent)).all()) == 1


def test_soft_bounces_suppress_only_after_the_limit(app, client, factories, sent, smtp_sink):
    pub, issue, envelopes = sent
    app.config["SOFT_BOUNCE_LIMIT"] = 2
    try:
        raw = returned(
            "postfix-2.eml",
            envelopes["ada@example.org"],
            "ada@example.org",
            "counsel@mindful-space.nl",
        )
        assert post(client, raw).json["result"] == "bounce"
        assert reader(app, pub, "ada@example.org").status == "active"
        smtp_sink.clear()
        second = factories.issue(pub, title="Second", publish=True)
        send_issue(app, pub, second)
        drain_jobs(app)
        envelope = {r[0]: m for m, r in smtp_sink.envelopes}["ada@example.org"]
        raw = returned("gmail-3.eml", envelope, "ada@example.org", "old.clinic@googlemail.com")
        assert post(client, raw).json["result"] == "bounce"
        ada = reader(app, pub, "ada@example.org")
        assert ada.status == "bounced"
        assert [k for k, _ in history(app, pub, ada.id)][-3:] == [
            "soft_bounce",
            "soft_bounce",
            "suppressed",
        ]
        # Soft bounces leave the deliveries as sent.
        assert {d.status for d in deliveries(app, pub).values()} == {"sent"}
    finally:
        app.config["SOFT_BOUNCE_LIMIT"] = 3


def test_a_complaint_unsubscribes_at_once_and_protects_every_publication(
    app, client, factories, sent, smtp_sink
):
    pub, _, envelopes = sent
    other = factories.publication(slug="other", name="Other Letters")
    factories.subscriber(other, email="ada@example.org", name="Ada")
    factories.subscriber(other, email="lin@example.org", name="Lin")
    raw = returned(
        "arf-ses-1.eml", envelopes["ada@example.org"], "ada@example.org", "maya.c@company.example"
    )
    assert post(client, raw).json["result"] == "bounce"
    ada = reader(app, pub, "ada@example.org")
    assert ada.status == "complained" and ada.unsubscribed_at is not None
    assert "complained" in [k for k, _ in history(app, pub, ada.id)]
    with app.app_context():
        entry = suppression.entry_for("ada@example.org")
        assert (entry.address, entry.reason) == ("ada@example.org", "complaint")

    smtp_sink.clear()
    issue = factories.issue(other, title="Elsewhere", publish=True)
    send_issue(app, other, issue)
    drain_jobs(app)
    assert [rcpts for _, rcpts in smtp_sink.envelopes] == [["lin@example.org"]]
    # Still active there: the other publication's list is its own, only the mail stops.
    assert reader(app, other, "ada@example.org").status == "active"


def test_role_addresses_on_the_platform_list_are_never_mailed(app, factories, smtp_sink, inbound):
    pub = factories.publication(slug="roles", name="Roles")
    factories.subscriber(pub, email="abuse@clinic.example")
    factories.subscriber(pub, email="postmaster@clinic.example")
    factories.subscriber(pub, email="abusers-anonymous@clinic.example")
    with app.app_context():
        for address in suppression.ROLE_LOCAL_PARTS:
            suppression.add(address, suppression.ROLE)
        db.session.commit()
    issue = factories.issue(pub, title="Hello", publish=True)
    send_issue(app, pub, issue)
    drain_jobs(app)
    assert [rcpts for _, rcpts in smtp_sink.envelopes] == [["abusers-anonymous@clinic.example"]]


def test_auto_replies_to_the_return_path_suppress_nobody(app, client, sent):
    pub, _, envelopes = sent
    for name in ("auto-outlook-1.eml", "auto-gmail-1.eml", "auto-exchange-1.eml"):
        raw = returned(name, envelopes["ada@example.org"], "ada@example.org", "nobody@nowhere")
        response = post(client, raw)
        assert response.status_code == 200 and response.json["result"] == "quarantined"
        assert response.json["reason"] == "auto_reply"
    assert reader(app, pub, "ada@example.org").status == "active"


def test_forged_malformed_and_huge_bounces_are_dropped_and_suppress_nobody(app, client, sent):
    pub, _, envelopes = sent
    genuine = envelopes["ada@example.org"]
    local, _, domain = genuine.partition("@")
    number = int(local[len("bounce+") :].split("-")[0])
    # Grace's delivery id with a MAC made up by someone without the secret.
    forged = f"bounce+{number + 1}-aaaaaaaaaaaaaaaaaaaa@{domain}"
    raw = returned("gmail-1.eml", forged, "grace@example.org", "nobody.here@gmail.com")
    response = post(client, raw)
    assert (response.status_code, response.json["reason"]) == (200, "forged_bounce_token")
    # Sent with the forged address as envelope recipient and Ada's genuine one in the headers:
    # the envelope decides.
    response = post(client, returned("gmail-1.eml", genuine, "ada@example.org", "x@y"), forged)
    assert response.json["reason"] == "forged_bounce_token"
    # Garbage, a report that names nobody, and a message too big for a bounce.
    for body, reason in (
        (b"\x00\xff\xfe not mail at all", "unreadable"),  # flufl.bounce fails on it
        (
            f"To: {genuine}\r\nContent-Type: multipart/report; report-type=delivery-status; "
            'boundary="x"\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\n'
            "Action: failed\r\nStatus: 5.1.1\r\n".encode(),
            "not_a_bounce",
        ),
        (
            f"To: {genuine}\r\nSubject: big\r\n\r\n".encode() + b"A" * (3 * 1024 * 1024),
            "bounce_too_large",
        ),
    ):
        response = post(client, body, genuine)
        assert (response.status_code, response.json["reason"]) == (200, reason)
    # Over the inbound limit itself: refused before anything is read.
    app.config["INBOUND_MAX_BYTES"], limit = 1024, app.config["INBOUND_MAX_BYTES"]
    try:
        assert post(client, b"X" * 4096, genuine).status_code == 413
    finally:
        app.config["INBOUND_MAX_BYTES"] = limit
    # An oversized header section.
    response = post(client, f"To: {genuine}\r\nX-Junk: {'a' * 300_000}\r\n\r\nhi".encode())
    assert response.status_code == 200 and response.json["result"] == "quarantined"
    with app.app_context(), cross_tenant():
        assert db.session.scalars(select(BounceEvent)).all() == []
        assert db.session.scalars(select(PlatformSuppression)).all() == []
    assert {reader(app, pub, e).status for e in ("ada@example.org", "grace@example.org")} == {
        "active"
    }


def test_the_smtp_server_takes_bounces_for_genuine_verp_addresses_only(app, sent):
    from worker.inbound import InboundServer

    pub, _, envelopes = sent
    server = InboundServer(app, host="127.0.0.1", port=0)
    server.start()
    try:
        genuine = envelopes["grace@example.org"]
        raw = returned("qmail-1.eml", genuine, "grace@example.org", "lotte@qmail-host.example")
        with smtplib.SMTP(server.host, server.port, timeout=10) as smtp:
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                smtp.sendmail("", [genuine.replace("bounce+", "bounce+9")], raw)
            smtp.sendmail("", [genuine], raw)
    finally:
        server.stop()
    assert reader(app, pub, "grace@example.org").status == "bounced"
    assert reader(app, pub, "ada@example.org").status == "active"
