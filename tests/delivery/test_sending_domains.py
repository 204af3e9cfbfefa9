"""A publication sends from its own domain once DNS shows its DKIM key, and only then.

Every DNS answer comes from a real DNS server on loopback (tests/dns_standin.py); every
signature is checked by dkimpy, with the key looked up on that server, on the bytes the SMTP
sink received: what readers' mail servers would see.
"""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to
from saas.delivery import sending_domains, verp
from saas.delivery.models import (
    DOMAIN_PAUSED,
    DOMAIN_PENDING,
    DOMAIN_VERIFIED,
    KEY_ACTIVE,
    KEY_RETIRING,
    DkimKey,
    SendingDomain,
)
from saas.mail.dkim import record_name, record_value
from saas.publishing.models import Publication
from tests.conftest import drain_jobs, login, post_form
from tests.custom_domain_helpers import dns_server  # noqa: F401  (fixture)
from tests.sending_domain_helpers import publish, set_up, signature_tags, verify

ADDRESS = "maya@letters.attunement.com"
DOMAIN = "letters.attunement.com"
SETTINGS = "/dashboard/letters/settings/sending"


@pytest.fixture()
def letters(app, factories, client):
    """A publication with two readers and an issue; its owner signed in."""
    owner = factories.user(email="maya@example.com", name="Maya Lin")
    pub = factories.publication(owner=owner, slug="letters", name="Calm Letters")
    factories.subscriber(pub, email="ada@example.org", name="Ada Lovelace")
    factories.subscriber(pub, email="grace@example.org", name="Grace Hopper")
    issue = factories.issue(pub, title="On slowing down", body_markdown="Breathe in.\n\nOut.")
    login(client, "maya@example.com")
    return pub, issue


def _text(markup: str) -> str:
    """Markup as a reader sees it: tags dropped, entities decoded, runs of spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def _page(client, url: str = SETTINGS) -> str:
    return _text(client.get(url).get_data(as_text=True))


def _domain(app, pub) -> SendingDomain:
    with app.app_context(), bound_to(pub.id):
        domain = db.session.scalar(select(SendingDomain))
        if domain is not None:
            db.session.expunge(domain)
        return domain


def _keys(app, pub) -> list[DkimKey]:
    with app.app_context(), bound_to(pub.id):
        rows = db.session.scalars(select(DkimKey).order_by(DkimKey.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _check(client) -> str:
    response = post_form(client, SETTINGS + "/check", {}, SETTINGS)
    assert response.status_code == 303
    return _page(client)


def _send_issue(app, pub, issue) -> None:
    from saas.delivery import sending
    from saas.publishing.models import Issue

    with app.app_context(), bound_to(pub.id):
        sending.send_now(db.session.get(Publication, pub.id), db.session.get(Issue, issue.id))
    drain_jobs(app)


def _recheck(app) -> None:
    with app.app_context():
        sending_domains.recheck_all()
    drain_jobs(app)


def test_issues_from_a_verified_domain_are_signed_by_it_through_real_smtp(
    app, client, letters, dns_server, smtp_sink
):
    pub, issue = letters
    response = post_form(client, SETTINGS, {"from_address": ADDRESS}, SETTINGS)
    assert response.status_code == 303
    publish(app, dns_server, pub.id)
    page = _check(client)
    assert f"Issues go out from {ADDRESS}, signed by {DOMAIN}" in page

    _send_issue(app, pub, issue)
    assert len(smtp_sink.raw) == 2
    [key] = _keys(app, pub)
    for raw, (mail_from, _) in zip(smtp_sink.raw, smtp_sink.envelopes, strict=True):
        assert verify(raw, dns_server)
        tags = signature_tags(raw)
        assert (tags["d"], tags["s"]) == (DOMAIN, key.selector)
        assert b"From: Maya Lin <maya@letters.attunement.com>\r\n" in raw
        # The return-path CNAME checks out: bounces come back through the reader's domain,
        # to the delivery's own signed VERP address.
        assert mail_from.startswith("bounce+") and mail_from.endswith(f"@bounces.{DOMAIN}")
        with app.app_context():
            assert verp.read_return_path(mail_from) is not None
    ada = next(m for m in smtp_sink.messages if "ada@" in str(m["To"]))
    assert ada["Message-ID"].endswith(f"@{DOMAIN}>")
    assert ada["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_test_send_goes_through_the_mail_queue_still_signed(
    app, client, letters, dns_server, smtp_sink
):
    pub, issue = letters
    set_up(app, pub.id, ADDRESS)
    publish(app, dns_server, pub.id)
    _check(client)
    editor = f"/dashboard/letters/issues/{issue.id}"
    post_form(client, editor + "/send-test", {}, editor)
    drain_jobs(app)
    [raw] = smtp_sink.raw
    assert raw.count(b"DKIM-Signature:") == 1  # the platform does not sign it again
    assert verify(raw, dns_server)
    assert signature_tags(raw)["d"] == DOMAIN


def test_a_domain_is_not_used_until_its_dkim_record_checks_out(
    app, client, letters, dns_server, smtp_sink
):
    pub, issue = letters
    set_up(app, pub.id, ADDRESS)
    page = _check(client)  # nothing published yet
    assert "Waiting for DNS" in page
    assert _domain(app, pub).status == DOMAIN_PENDING
    _send_issue(app, pub, issue)
    assert all(b"From: Maya Lin <hello@tend.localhost>" in raw for raw in smtp_sink.raw)
    assert all(b"DKIM-Signature" not in raw for raw in smtp_sink.raw)  # no platform key here


def test_without_the_return_path_record_the_envelope_stays_the_platforms(
    app, client, letters, dns_server, smtp_sink
):
    pub, issue = letters
    set_up(app, pub.id, ADDRESS)
    publish(app, dns_server, pub.id, return_path=False)
    _check(client)
    _send_issue(app, pub, issue)
    # The platform's bounce domain, each delivery's own VERP address on it.
    senders = [mail_from for mail_from, _ in smtp_sink.envelopes]
    assert senders and {s.partition("@")[2] for s in senders} == {"bounces.tend.localhost"}
    assert all(s.startswith("bounce+") for s in senders) and len(set(senders)) == len(senders)
    assert all(verify(raw, dns_server) for raw in smtp_sink.raw)


@pytest.mark.parametrize(
    ("published", "state", "words"),
    [
        (None, "missing", "There is no TXT record at"),
        (
            "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong",
            "wrong",
            "holds a different key",
        ),
        ("v=spf1 include:_spf.example.net ~all", "wrong", "is not a DKIM key"),
        ("cut", "wrong", "is cut short"),
        ("two", "wrong", "there must be only one"),
        ("right", "ok", "matches"),
    ],
    ids=["missing", "other key", "not dkim", "truncated", "two records", "ok"],
)
def test_the_dkim_check_says_what_is_wrong_in_plain_words(
    app, client, letters, dns_server, published, state, words
):
    pub, _ = letters
    set_up(app, pub.id, ADDRESS)
    [key] = _keys(app, pub)
    name = record_name(key.selector, DOMAIN)
    right = record_value(key.public_key)
    values = {"cut": [right[:200]], "two": [right, "v=DKIM1; k=rsa; p=AAAA"], "right": [right]}.get(
        published, [published]
    )
    if published is not None:
        dns_server.set_txt(name, *values)
    page = _check(client)
    [check] = [c for c in _domain(app, pub).checks if c["kind"] == "dkim"]
    assert check["state"] == state
    assert words in check["detail"] and words in page
    expected = DOMAIN_VERIFIED if state == "ok" else DOMAIN_PENDING
    assert _domain(app, pub).status == expected


@pytest.mark.parametrize(
    ("target", "state", "words"),
    [
        (None, "missing", "There is no CNAME record at bounces.letters.attunement.com"),
        ("mail.elsewhere.example", "wrong", "points at mail.elsewhere.example, not"),
        ("bounces.tend.localhost", "ok", "points at bounces.tend.localhost"),
    ],
)
def test_the_return_path_check(app, client, letters, dns_server, target, state, words):
    pub, _ = letters
    set_up(app, pub.id, ADDRESS)
    if target:
        dns_server.set_cname(f"bounces.{DOMAIN}", target)
    page = _check(client)
    [check] = [c for c in _domain(app, pub).checks if c["kind"] == "return_path"]
    assert (check["state"], words in check["detail"]) == (state, True)
    assert words in page


@pytest.mark.parametrize(
    ("records", "state", "words"),
    [
        ({}, "missing", "There is no DMARC record at _dmarc.letters.attunement.com"),
        ({f"_dmarc.{DOMAIN}": ["hello"]}, "wrong", "is not a DMARC record"),
        (
            {f"_dmarc.{DOMAIN}": ["v=DMARC1; p=none", "v=DMARC1; p=reject"]},
            "wrong",
            "receivers ignore them all",
        ),
        ({f"_dmarc.{DOMAIN}": ["v=DMARC1; p=quarantine"]}, "ok", "p=quarantine"),
        ({"_dmarc.attunement.com": ["v=DMARC1; p=none"]}, "ok", "Found at _dmarc.attunement.com"),
    ],
    ids=["missing", "not dmarc", "two", "own", "organisation's"],
)
def test_the_dmarc_check(app, client, letters, dns_server, records, state, words):
    pub, _ = letters
    set_up(app, pub.id, ADDRESS)
    for name, values in records.items():
        dns_server.set_txt(name, *values)
    page = _check(client)
    [check] = [c for c in _domain(app, pub).checks if c["kind"] == "dmarc"]
    assert check["state"] == state and words in check["detail"]
    # The suggested record is listed only while none checks out.
    assert ("v=DMARC1; p=none;" in page.split("DKIM keys")[0]) == (state != "ok")


def test_a_broken_record_pauses_the_domain_tells_the_owner_and_resumes(
    app, client, letters, dns_server, smtp_sink, mailbox
):
    pub, issue = letters
    set_up(app, pub.id, ADDRESS)
    publish(app, dns_server, pub.id)
    _recheck(app)  # the daily round verifies a domain whose record is there
    assert _domain(app, pub).status == DOMAIN_VERIFIED

    [key] = _keys(app, pub)
    dns_server.remove(record_name(key.selector, DOMAIN))
    _recheck(app)
    domain = _domain(app, pub)
    assert domain.status == DOMAIN_PAUSED and domain.paused_at is not None
    [notice] = mailbox.messages("maya@example.com")
    assert "go out from Tend’s address" in notice["Subject"]
    assert "There is no TXT record at" in notice.get_body(("plain",)).get_content()
    assert "Paused" in _page(client)

    smtp_sink.clear()
    _send_issue(app, pub, issue)
    assert all(b"From: Maya Lin <hello@tend.localhost>" in raw for raw in smtp_sink.raw)

    publish(app, dns_server, pub.id)
    smtp_sink.clear()
    _recheck(app)
    assert _domain(app, pub).status == DOMAIN_VERIFIED
    [back] = mailbox.messages("maya@example.com")
    assert f"sends from {DOMAIN} again" in back["Subject"]


def test_dns_that_does_not_answer_changes_nothing(app, client, letters, dns_server, mailbox):
    pub, _ = letters
    set_up(app, pub.id, ADDRESS)
    publish(app, dns_server, pub.id)
    _recheck(app)
    dns_server.silent = True
    _recheck(app)
    domain = _domain(app, pub)
    assert domain.status == DOMAIN_VERIFIED
    assert {c["state"] for c in domain.checks} == {"unknown"}
    assert mailbox.messages("maya@example.com") == []


def test_a_key_rotation_publishes_the_new_selector_before_switching(
    app, client, letters, dns_server, smtp_sink
):
    pub, issue = letters
    set_up(app, pub.id, ADDRESS)
    publish(app, dns_server, pub.id)
    _check(client)
    [old] = _keys(app, pub)

    response = post_form(client, SETTINGS + "/rotate", {}, SETTINGS)
    assert response.status_code == 303
    old_now, new = _keys(app, pub)
    assert (old_now.state, new.state) == (KEY_ACTIVE, "next") and new.selector != old.selector
    page = _check(client)  # the new record is not published yet: still the old key
    assert record_name(new.selector, DOMAIN) in page
    assert [k.state for k in _keys(app, pub)] == [KEY_ACTIVE, "next"]
    refused = post_form(client, SETTINGS + "/rotate", {}, SETTINGS)
    assert refused.status_code == 303
    assert "already waiting" in _page(client)

    publish(app, dns_server, pub.id)
    _check(client)
    old_now, new_now = _keys(app, pub)
    assert (old_now.state, new_now.state) == (KEY_RETIRING, KEY_ACTIVE)
    assert old_now.private_key is None  # nothing signs with a retired key
    _send_issue(app, pub, issue)
    assert {signature_tags(raw)["s"] for raw in smtp_sink.raw} == {new.selector}
    assert all(verify(raw, dns_server) for raw in smtp_sink.raw)
    assert "Leave its record in place" in _page(client)

    # A week on, the daily round forgets the old key.
    with app.app_context(), bound_to(pub.id):
        db.session.execute(
            update(DkimKey)
            .where(DkimKey.id == old.id)
            .values(retiring_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
    _recheck(app)
    assert [k.selector for k in _keys(app, pub)] == [new.selector]


def _stored_private_key(app, pub) -> str:
    """The private_key column as the database holds it."""
    with app.app_context(), bound_to(pub.id):
        return db.session.execute(text("SELECT private_key FROM dkim_keys")).scalar_one()


def test_the_private_key_is_encrypted_at_rest_and_rotate_key_covers_it(
    app, client, letters, dns_server, smtp_sink
):
    pub, issue = letters
    set_up(app, pub.id, ADDRESS)
    publish(app, dns_server, pub.id)
    _check(client)
    stored = _stored_private_key(app, pub)
    assert "PRIVATE KEY" not in stored and stored.startswith("gAAAAA")  # a Fernet token
    saved_keys, saved_file = app.config["SUPPORT_ENCRYPTION_KEYS"], app.config["SUPPORT_KEYS_FILE"]
    app.config["SUPPORT_KEYS_FILE"] = ""  # as in production: nothing written to disk
    try:
        result = app.test_cli_runner().invoke(args=["rotate-key"])
        assert result.exit_code == 0, result.output
        assert _stored_private_key(app, pub) != stored
        # The old keys can go: the domain still signs with the key read under the new one.
        app.config["SUPPORT_ENCRYPTION_KEYS"] = app.config["SUPPORT_ENCRYPTION_KEYS"].split(",")[0]
        _send_issue(app, pub, issue)
        assert len(smtp_sink.raw) == 2 and all(verify(raw, dns_server) for raw in smtp_sink.raw)
    finally:
        app.config["SUPPORT_ENCRYPTION_KEYS"] = saved_keys
        app.config["SUPPORT_KEYS_FILE"] = saved_file


def test_changing_the_address_on_the_same_domain_keeps_the_key(app, client, letters, dns_server):
    pub, _ = letters
    set_up(app, pub.id, ADDRESS)
    [key] = _keys(app, pub)
    post_form(client, SETTINGS, {"from_address": f"hello@{DOMAIN}"}, SETTINGS)
    assert _domain(app, pub).from_address == f"hello@{DOMAIN}"
    assert [k.selector for k in _keys(app, pub)] == [key.selector]
    post_form(client, SETTINGS, {"from_address": "hi@news.example.net"}, SETTINGS)
    assert _domain(app, pub).domain == "news.example.net"
    assert [k.selector for k in _keys(app, pub)] != [key.selector]
    response = post_form(client, SETTINGS + "/remove", {}, SETTINGS)
    assert response.status_code == 303
    assert _domain(app, pub) is None and _keys(app, pub) == []


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("not an address", "must have an @-sign"),
        ("", "This field is required"),
        ("hello@tendmail.net", "That is Tend's own domain"),
        ("hello@bounces.tendmail.net", "That is Tend's own domain"),
        ("hélène@letters.example.com", "ASCII"),
        ("a" * 250 + "@example.com", "Field cannot be longer than 254 characters"),
    ],
)
def test_bad_addresses_are_refused_and_nothing_is_saved(
    app, client, letters, address, words, monkeypatch
):
    pub, _ = letters
    monkeypatch.setitem(app.config, "MAIL_FROM", "Tend <hello@tendmail.net>")
    response = post_form(client, SETTINGS, {"from_address": address}, SETTINGS)
    assert response.status_code == 422
    assert words in _text(response.get_data(as_text=True))
    assert _domain(app, pub) is None and _keys(app, pub) == []


def test_editors_cannot_see_or_change_sending(app, factories, letters):
    from saas.publishing.models import Membership

    pub, _ = letters
    editor = factories.user(email="ed@example.com")
    with app.app_context():
        db.session.add(Membership(user_id=editor.id, publication_id=pub.id, role="editor"))
        db.session.commit()
    client = app.test_client()
    login(client, "ed@example.com")
    assert client.get(SETTINGS).status_code == 403
    for path in ("", "/check", "/rotate", "/remove"):
        response = post_form(
            client, SETTINGS + path, {"from_address": ADDRESS}, "/dashboard/letters/issues"
        )
        assert response.status_code == 403
    assert _domain(app, pub) is None


def test_the_page_shows_records_last_check_selector_and_the_checklist(
    app, client, letters, dns_server
):
    pub, _ = letters
    page = _page(client)
    assert "Issues go out from hello@tend.localhost" in page
    assert "What Gmail and Yahoo ask of newsletters" in page
    set_up(app, pub.id, ADDRESS)
    publish(app, dns_server, pub.id, dmarc=False)
    page = _check(client)
    [key] = _keys(app, pub)
    assert f"{key.selector}._domainkey.{DOMAIN}" in page
    assert f"Selector {key.selector}: signing since" in page
    assert "Last checked" in page
    assert f"bounces.{DOMAIN}" in page and "bounces.tend.localhost" in page
    assert "_dmarc.letters.attunement.com" in page
    assert "DKIM signature from the From domain (passes)" in page
    assert "SPF passes for a domain aligned with the From domain (passes)" in page
    assert "A DMARC record for the From domain (fails)" in page
    assert "Spam complaints under 0.3% (not checked)" in page


def test_the_daily_job_and_command_recheck_every_domain(app, client, letters, dns_server):
    from worker.jobs import recheck_domains

    pub, _ = letters
    set_up(app, pub.id, ADDRESS)
    publish(app, dns_server, pub.id)
    with app.app_context():
        assert recheck_domains() == 1  # no custom domain, one sending domain
    assert _domain(app, pub).status == DOMAIN_VERIFIED
    result = app.test_cli_runner().invoke(args=["recheck-domains"])
    assert result.exit_code == 0, result.output
    assert "Re-checked 0 custom domain(s)." in result.output
    assert "Re-checked 1 sending domain(s)." in result.output
