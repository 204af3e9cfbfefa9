"""Deliver a finished message: SMTP in production, .eml files in the embedded outbox."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app


def send(message: EmailMessage) -> None:
    """Send through the transport the configuration names."""
    kind = current_app.config["MAIL_TRANSPORT"]
    if kind == "smtp":
        send_smtp(current_app.config["SMTP_URL"], message)
    elif kind == "outbox":
        write_outbox(Path(current_app.config["OUTBOX_DIR"]), message)
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


def send_smtp(url: str, message: EmailMessage) -> None:
    """Send one message over a fresh SMTP connection."""
    with open_smtp(url) as conn:
        conn.send_message(message)


def write_outbox(directory: Path, message: EmailMessage) -> Path:
    """Store the message as an .eml file, newest sorting last."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(message.as_bytes())
    return path


def read_outbox(directory: Path, limit: int = 100) -> list[tuple[str, EmailMessage]]:
    """Newest messages in the outbox, as (file name, parsed message)."""
    if not directory.exists():
        return []
    files = sorted(directory.glob("*.eml"), reverse=True)[:limit]
    return [
        (path.name, message_from_bytes(path.read_bytes(), policy=policy.default)) for path in files
    ]
