"""DKIM signatures: made by saas.mail.dkim, checked by dkimpy against a real DNS server.

The platform signs the mail it sends as itself (DKIM_PRIVATE_KEY); a signature must still
verify once the message has crossed the real SMTP path into the sink, byte for byte.
"""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import pytest

from saas.mail import dkim as mail_dkim
from saas.mail.dkim import Signer, SigningError, generate_key, record_name, record_value
from tests.custom_domain_helpers import dns_server  # noqa: F401  (fixture)
from tests.sending_domain_helpers import signature_tags, verify

DOMAIN = "letters.example.com"
MESSAGE = (
    b"From: Maya Lin <maya@letters.example.com>\r\n"
    b"To: Ada <ada@example.org>\r\n"
    b"Subject: On slowing down\r\n"
    b"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
    b"Message-ID: <issue-1.sub-1.calm@letters.example.com>\r\n"
    b"List-Unsubscribe: <https://tend.example/u/abc>,\r\n <mailto:unsubscribe+abc@in.example>\r\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Breathe in.\r\n\r\nAnd out.\r\n"
)


@pytest.fixture(scope="module")
def key():
    return generate_key()


@pytest.fixture()
def published(dns_server, key):
    """The key's record published at selector `s1` on the DNS stand-in."""
    dns_server.set_txt(record_name("s1", DOMAIN), record_value(key.public_key))
    return dns_server


def test_a_signed_message_verifies_with_the_key_in_dns(published, key):
    signed = Signer(DOMAIN, "s1", key.private_pem).sign(MESSAGE)
    assert signed.endswith(MESSAGE)  # the message itself is untouched
    assert verify(signed, published)
    tags = signature_tags(signed)
    assert (tags["a"], tags["c"], tags["d"], tags["s"]) == (
        "rsa-sha256",
        "relaxed/simple",
        DOMAIN,
        "s1",
    )
    signed_headers = tags["h"].split(":")
    for name in (
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    ):
        assert name in signed_headers
    # Signed once more than they occur: a copy added in transit breaks the signature.
    assert signed_headers.count("from") == 2 and signed_headers.count("list-unsubscribe") == 2


def test_the_record_is_published_in_chunks_and_still_found(published, key):
    # A 2048-bit key's record is longer than one TXT string (255 bytes): DNS splits it.
    assert len(record_value(key.public_key)) > 255
    signed = Signer(DOMAIN, "s1", key.private_pem).sign(MESSAGE)
    assert verify(signed, published)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda m: m.replace(b"On slowing down", b"On speeding up"),
        lambda m: m.replace(b"And out.", b"And out!"),
        lambda m: m.replace(b"https://tend.example/u/abc", b"https://evil.example/u/abc"),
        lambda m: b"From: Someone Else <boss@letters.example.com>\r\n" + m,
        lambda m: m.replace(b"List-Unsubscribe-Post:", b"List-Unsubscribe-Post: x\r\nX-A:"),
    ],
    ids=["subject", "body", "unsubscribe link", "second From", "extra header"],
)
def test_a_changed_message_fails_verification(published, key, tamper):
    signed = Signer(DOMAIN, "s1", key.private_pem).sign(MESSAGE)
    header, _, rest = signed.partition(b"From:")
    assert not verify(header + tamper(b"From:" + rest), published)


def test_relays_may_refold_headers(published, key):
    signed = Signer(DOMAIN, "s1", key.private_pem).sign(MESSAGE)
    refolded = signed.replace(b"Subject: On slowing down", b"Subject: On\r\n  slowing   down")
    assert verify(refolded, published)


def test_a_key_not_in_dns_or_another_key_fails(dns_server, key):
    signed = Signer(DOMAIN, "s1", key.private_pem).sign(MESSAGE)
    assert not verify(signed, dns_server)  # nothing published
    dns_server.set_txt(record_name("s1", DOMAIN), record_value(generate_key().public_key))
    assert not verify(signed, dns_server)


def test_bare_line_feeds_are_signed_as_crlf(published, key):
    signed = Signer(DOMAIN, "s1", key.private_pem).sign(MESSAGE.replace(b"\r\n", b"\n"))
    assert b"\n" not in signed.replace(b"\r\n", b"")
    assert verify(signed, published)


def test_what_cannot_be_signed_is_refused_in_words(key):
    with pytest.raises(SigningError, match="no From"):
        Signer(DOMAIN, "s1", key.private_pem).sign(b"To: a@example.org\r\n\r\nHi\r\n")
    with pytest.raises(SigningError, match="blank line"):
        Signer(DOMAIN, "s1", key.private_pem).sign(b"From: a@example.org")
    with pytest.raises(SigningError, match="PEM"):
        Signer(DOMAIN, "s1", "not a key")


def test_is_signed_looks_at_the_headers_only(key):
    signed = Signer(DOMAIN, "s1", key.private_pem).sign(MESSAGE)
    assert mail_dkim.is_signed(signed)
    assert not mail_dkim.is_signed(MESSAGE)
    assert not mail_dkim.is_signed(MESSAGE + b"DKIM-Signature: in the body\r\n")


def test_selectors_differ_from_one_key_to_the_next():
    assert len({mail_dkim.new_selector() for _ in range(20)}) == 20


@pytest.fixture()
def platform_key(app, dns_server, key, monkeypatch):
    """The platform signs as tend.example with selector `tend`, its key in DNS."""
    monkeypatch.setitem(app.config, "DKIM_PRIVATE_KEY", key.private_pem)
    monkeypatch.setitem(app.config, "DKIM_DOMAIN", "tend.example")
    monkeypatch.setitem(app.config, "DKIM_SELECTOR", "tend")
    dns_server.set_txt(record_name("tend", "tend.example"), record_value(key.public_key))
    return dns_server


def test_the_platform_signs_its_own_mail_through_the_real_smtp_path(app, platform_key, smtp_sink):
    from saas.mail.compose import compose
    from saas.mail.transport import send

    with app.test_request_context():
        message = compose(
            "password_reset", to="ada@example.org", to_name="Ada", name="Ada", reset_url="x"
        )
        send(message)
    [raw] = smtp_sink.raw
    assert verify(raw, platform_key)
    assert signature_tags(raw)["d"] == "tend.example"


def test_queued_mail_is_signed_in_the_worker_and_arrives_intact(
    app, platform_key, smtp_sink, mailbox
):
    from saas.mail.compose import compose
    from saas.mail.mailer import queue_email

    with app.test_request_context():
        queue_email(
            compose(
                "password_reset",
                to="grace@example.org",
                to_name="Grace Hopper — “Amazing”",
                name="Grace",
                reset_url="https://tend.example/reset/abc",
            )
        )
    assert len(mailbox.messages("grace@example.org")) == 1
    [raw] = smtp_sink.raw
    assert raw.count(b"DKIM-Signature:") == 1
    assert verify(raw, platform_key)


def test_without_a_platform_key_mail_goes_unsigned(app, smtp_sink):
    from saas.mail.compose import compose
    from saas.mail.transport import send

    assert not app.config["DKIM_PRIVATE_KEY"]
    with app.test_request_context():
        send(compose("password_reset", to="ada@example.org", name="Ada", reset_url="x"))
    [raw] = smtp_sink.raw
    assert not mail_dkim.is_signed(raw)
