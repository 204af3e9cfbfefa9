"""Inbound email as data: who sent it, to which addresses, and the reader's words as text.

The body is the message's plain-text part, or its HTML part turned into text when there is
no usable plain one. Transfer encodings (quoted-printable, base64) are undone and charsets
decoded; mail labelled Latin-1 is read as Windows-1252 (what senders really mean), and
unlabelled 8-bit text as UTF-8 when it is valid UTF-8. format=flowed lines are re-joined.
Attachments are counted, never kept.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses

from saas.replies.html_text import html_to_text
from saas.replies.inbound_quotes import strip_quoted

_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819"}
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")


@dataclass(frozen=True)
class ParsedMail:
    """What Tend keeps from an inbound message (before deciding whether to keep anything)."""

    sender: str
    subject: str
    message_id: str | None
    references: tuple[str, ...]
    text: str
    attachments: int
    automatic: bool
    recipients: tuple[str, ...]


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes in a declared charset, tolerant of the usual mislabelling."""
    label = (charset or "").strip().strip('"').lower()
    if label in ("", "us-ascii", "ascii"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            label = "windows-1252"
    if label in _LATIN1_LABELS:
        label = "windows-1252"
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            codec = "cp1252"
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 maps every byte.
        return data.decode("latin-1" if codec == "cp1252" else codec, errors="replace")


def unflow(text: str, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed: soft line breaks (a trailing space) join lines."""
    out: list[str] = []
    buffer = ""
    buffer_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if buffer and depth != buffer_depth:
            out.append(">" * buffer_depth + buffer)
            buffer = ""
        if content.endswith(" ") and content != "-- ":
            buffer += content[:-1] if delsp else content
            buffer_depth = depth
            continue
        out.append(">" * depth + (" " if depth else "") + buffer + content)
        buffer = ""
    if buffer:
        out.append(">" * buffer_depth + buffer)
    return "\n".join(out)


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_bytes(payload, part.get_content_charset())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_subtype() == "plain" and (part.get_param("format") or "") == "flowed":
        text = unflow(text, (part.get_param("delsp") or "").lower() == "yes")
    return text


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name) or "")
    except (ValueError, TypeError, IndexError):  # a header too malformed to parse
        return ""


def _addresses(message: Message, name: str) -> list[str]:
    try:
        values = [str(v) for v in message.get_all(name) or []]
    except (ValueError, TypeError, IndexError):
        return []
    return [addr.strip().lower() for _, addr in getaddresses(values) if "@" in addr]


def _is_automatic(message: Message, sender: str) -> bool:
    auto = _header(message, "Auto-Submitted").strip().lower()
    precedence = _header(message, "Precedence").strip().lower()
    return (
        (auto != "" and auto != "no")
        or bool(_header(message, "X-Autoreply") or _header(message, "X-Autorespond"))
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or message.get_content_type() == "multipart/report"
        or _header(message, "Return-Path").strip() == "<>"
        or sender.partition("@")[0] in ("mailer-daemon", "postmaster")
    )


def _body(message: EmailMessage) -> tuple[str, set[int]]:
    """The reader's text, and the ids of the parts used for it."""
    used: set[int] = set()
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        if part is None:
            continue
        raw = _part_text(part)
        text = html_to_text(raw) if kind == "html" else raw
        used.add(id(part))
        if text.strip():
            return text, used
    return "", used


def _attachments(message: EmailMessage, used: set[int]) -> int:
    count = 0
    for part in message.walk():
        if part.is_multipart() or id(part) in used:
            continue
        inline_text = part.get_content_maintype() == "text" and not part.get_filename()
        if not inline_text or part.get_content_disposition() == "attachment":
            count += 1
    return count


def parse(raw: bytes) -> ParsedMail:
    """Read an RFC 5322 message into a ParsedMail (quoted history already stripped)."""
    message = message_from_bytes(raw, policy=policy.default)
    senders = _addresses(message, "From")
    sender = senders[0] if senders else ""
    text, used = _body(message)
    references = tuple(_MESSAGE_ID.findall(_header(message, "References")))
    in_reply_to = _MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    if in_reply_to and in_reply_to[0] not in references:
        references = (*references, in_reply_to[0])
    ids = _MESSAGE_ID.findall(_header(message, "Message-ID"))
    recipients: list[str] = []
    for name in RECIPIENT_HEADERS:
        recipients.extend(a for a in _addresses(message, name) if a not in recipients)
    return ParsedMail(
        sender=sender,
        subject=" ".join(_header(message, "Subject").split())[:300],
        message_id=ids[0] if ids else None,
        references=references[-20:],
        text=strip_quoted(text),
        attachments=_attachments(message, used),
        automatic=_is_automatic(message, sender),
        recipients=tuple(recipients),
    )
