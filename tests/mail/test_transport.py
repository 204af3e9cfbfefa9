"""Messages leave as bytes: the envelope is read from the headers, nothing is re-serialised."""

from __future__ import annotations

from email.message import EmailMessage

from saas.mail.transport import crlf_bytes, envelope, wire_bytes


def _message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Tend <hello@tend.localhost>"
    message["To"] = to
    message["Cc"] = "Grace <grace@example.org>"
    message["Subject"] = "Grüße"
    message.set_content("Hallo\n")
    return message


def test_the_envelope_comes_from_the_headers():
    data = wire_bytes(_message("Ada Lovelace <ada@example.org>"))
    assert envelope(data) == (
        "hello@tend.localhost",
        ["ada@example.org", "grace@example.org"],
        False,
    )
    assert b"\r\nSubject: =?utf-8?" in data  # an ASCII message: RFC 2047 headers


def test_an_international_address_travels_as_utf8_with_smtputf8():
    data = wire_bytes(_message("Jürgen <jürgen@exämple.de>"))
    assert "To: Jürgen <jürgen@exämple.de>".encode() in data
    assert envelope(data) == (
        "hello@tend.localhost",
        ["jürgen@exämple.de", "grace@example.org"],
        True,
    )


def test_line_ends_become_crlf_once():
    assert crlf_bytes(b"a\nb\r\nc\n") == b"a\r\nb\r\nc\r\n"
    already = b"a\r\nb\r\n"
    assert crlf_bytes(already) is already
