"""Deliver a finished message: SMTP in production, .eml files in the embedded outbox.

Messages travel as bytes from here on: the platform signs any message nobody signed yet
(`saas.mail.senders`), and after a signature no header may be re-folded or re-encoded, so
nothing parses and re-serialises a message on its way out.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import HeaderParser
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from saas.mail.senders import sign_unsigned

_header_parser = HeaderParser(policy=policy.SMTP)


def send(message: EmailMessage) -> None:
    """Send through the transport the configuration names."""
    send_raw(wire_bytes(message))


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP carries it: CRLF line ends; UTF-8 headers when an address needs
    them (SMTPUTF8), as smtplib's send_message would write it."""
    addresses = [
        address.addr_spec
        for name in ("From", "Sender", "To", "Cc")
        for header in message.get_all(name) or []
        for address in getattr(header, "addresses", ())
    ]
    wire = policy.SMTPUTF8 if not all(a.isascii() for a in addresses) else policy.SMTP
    return message.as_bytes(policy=wire)


def crlf_bytes(data: bytes) -> bytes:
    """The message with every line ending as CRLF (SMTP's, and what a signature covers)."""
    if data.count(b"\n") == data.count(b"\r\n"):
        return data
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def send_raw(data: bytes) -> None:
    """Sign (unless signed) and send a complete message as it is."""
    data = sign_unsigned(crlf_bytes(data))
    kind = current_app.config["MAIL_TRANSPORT"]
    if kind == "smtp":
        send_smtp(current_app.config["SMTP_URL"], data)
    elif kind == "outbox":
        write_outbox(Path(current_app.config["OUTBOX_DIR"]), data)
    else:
        raise ValueError(f"unknown MAIL_TRANSPORT {kind!r}")


def open_smtp(url: str, timeout: float = 30.0) -> smtplib.SMTP:
    """Open an authenticated SMTP connection from `smtp://`, `smtp+starttls://` or `smtps://`."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = parts.hostname or "127.0.0.1"
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=timeout, context=context
        )
    else:
        conn = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
        conn.ehlo()
        wants_tls = parts.scheme == "smtp+starttls" or query.get("starttls") == ["1"]
        if wants_tls:
            conn.starttls(context=context)
            conn.ehlo()
    if parts.username:
        conn.login(unquote(parts.username), unquote(parts.password or ""))
    return conn


def envelope(data: bytes) -> tuple[str, list[str], bool]:
    """MAIL FROM, RCPT TO and whether SMTPUTF8 is needed, read from a message's headers."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")  # SMTPUTF8 headers
    headers = _header_parser.parsestr(head + "\r\n\r\n", headersonly=True)
    sender = headers["Sender"] or headers["From"]
    from_address = sender.addresses[0].addr_spec if sender and sender.addresses else ""
    recipients = [
        address.addr_spec
        for name in ("To", "Cc")
        for header in headers.get_all(name) or []
        for address in header.addresses
    ]
    international = not all(a.isascii() for a in (from_address, *recipients))
    return from_address, recipients, international


def send_smtp(url: str, data: bytes) -> None:
    """Send one message, byte for byte, over a fresh SMTP connection."""
    from_address, recipients, international = envelope(data)
    options = ["SMTPUTF8", "BODY=8BITMIME"] if international else []
    with open_smtp(url) as conn:
        conn.sendmail(from_address, recipients, data, mail_options=options)


def write_outbox(directory: Path, data: bytes) -> Path:
    """Store the message, as it would have been sent, as an .eml file, newest sorting last."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(data)
    return path


def read_outbox(directory: Path, limit: int = 100) -> list[tuple[str, EmailMessage]]:
    """Newest messages in the outbox, as (file name, parsed message)."""
    if not directory.exists():
        return []
    files = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    return [
        (path.name, message_from_bytes(path.read_bytes(), policy=policy.default)) for path in files
    ]
