"""Inbound email as data: who sent it, to which addresses, and the reader's words as text.

The body is the message's plain-text part, or its HTML part turned into text when there is
no usable plain one. Transfer encodings (quoted-printable, base64) are undone and charsets
decoded; mail labelled Latin-1 is read as Windows-1252 (what senders really mean), and
unlabelled 8-bit text as UTF-8 when it is valid UTF-8. format=flowed lines are re-joined.
Attachments are counted, never kept.

Hostile mail is bounded first (saas.replies.inbound_limits). Headers are then read as the
raw strings the parser split them into (the compat32 policy), never through the standard
library's structured header classes, whose parsers grow with the square of a header's
length; addresses go through `email.utils.getaddresses`, which is linear, and are
de-duplicated with a set.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.errors import MessageError
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

from saas.replies.html_text import html_to_text
from saas.replies.inbound_limits import MAX_BODY_CHARS, check_parts, check_raw
from saas.replies.inbound_quotes import strip_quoted

_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819"}
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
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


def _part_text(part: Message, limit: int) -> str:
    """The part's decoded text, its first `limit` characters only."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    text = decode_bytes(payload, part.get_content_charset())[:limit]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_subtype() == "plain" and (part.get_param("format") or "") == "flowed":
        text = unflow(text, (part.get_param("delsp") or "").lower() == "yes")
    return text


def _values(message: Message, name: str) -> list[str]:
    """Every value of one header, unfolded, 8-bit bytes read as UTF-8 (or Windows-1252)."""
    name = name.lower()
    values = []
    for key, value in message.raw_items():
        if key.lower() != name:
            continue
        value = _FOLD.sub("", str(value)).strip()
        if not value.isascii():  # raw 8-bit bytes, kept by the parser as surrogates
            value = decode_bytes(value.encode("utf-8", "surrogateescape"), None)
        values.append(value)
    return values


def _header(message: Message, name: str) -> str:
    values = _values(message, name)
    return values[0] if values else ""


def _decoded_words(value: str) -> str:
    """RFC 2047 encoded words decoded as tolerantly as bodies; a malformed one left as written."""
    try:
        pieces = decode_header(value)
    except (MessageError, ValueError):
        return value
    return "".join(
        piece if isinstance(piece, str) else decode_bytes(piece, charset)
        for piece, charset in pieces
    )


def _subject(message: Message) -> str:
    return " ".join(_decoded_words(_header(message, "Subject")).split())[:300]


def _addresses(message: Message, name: str) -> list[str]:
    return [addr.strip().lower() for _, addr in getaddresses(_values(message, name)) if "@" in addr]


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


def _text_part(part: Message, subtype: str) -> Message | None:
    """The first text/<subtype> part that is not an attachment, as a mail client shows it."""
    if part.get_content_disposition() == "attachment":
        return None
    maintype, _, found = part.get_content_type().partition("/")
    if maintype == "text":
        return part if found == subtype else None
    children = part.get_payload() if maintype == "multipart" and part.is_multipart() else []
    if found == "related" and children:  # only its root part is the body
        start = part.get_param("start")
        root = next((c for c in children if start and c.get("Content-ID") == start), None)
        children = [root or children[0]]
    for child in children:
        body = _text_part(child, subtype)
        if body is not None:
            return body
    return None


def _body(message: Message) -> tuple[str, set[int]]:
    """The reader's text, and the ids of the parts used for it."""
    used: set[int] = set()
    for kind in ("plain", "html"):
        part = _text_part(message, kind)
        if part is None:
            continue
        used.add(id(part))
        text = _part_text(part, MAX_BODY_CHARS)
        if kind == "html":
            text = html_to_text(text)
        if text.strip():
            return text, used
    return "", used


def _attachments(message: Message, used: set[int]) -> int:
    count = 0
    for part in message.walk():
        if part.is_multipart() or id(part) in used:
            continue
        inline_text = part.get_content_maintype() == "text" and not part.get_filename()
        if not inline_text or part.get_content_disposition() == "attachment":
            count += 1
    return count


def read_message(raw: bytes) -> Message:
    """The message, split into its parts; inbound_limits.Refused when it breaks a bound."""
    check_raw(raw)
    message = message_from_bytes(raw, policy=policy.compat32)
    check_parts(message)
    return message


def recipients_of(message: Message) -> list[str]:
    """The addresses in its recipient headers, de-duplicated, in header order."""
    recipients: dict[str, None] = {}
    for name in RECIPIENT_HEADERS:
        recipients.update(dict.fromkeys(_addresses(message, name)))
    return list(recipients)


def parse(raw: bytes) -> ParsedMail:
    """Read an RFC 5322 message into a ParsedMail (quoted history already stripped).

    Raises inbound_limits.Refused when the message breaks a bound.
    """
    return parse_message(read_message(raw))


def parse_message(message: Message) -> ParsedMail:
    """A ParsedMail from a message read_message() accepted."""
    senders = _addresses(message, "From")
    sender = senders[0] if senders else ""
    text, used = _body(message)
    references = tuple(_MESSAGE_ID.findall(_header(message, "References")))
    in_reply_to = _MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    if in_reply_to and in_reply_to[0] not in references:
        references = (*references, in_reply_to[0])
    ids = _MESSAGE_ID.findall(_header(message, "Message-ID"))
    return ParsedMail(
        sender=sender,
        subject=_subject(message),
        message_id=ids[0] if ids else None,
        references=references[-20:],
        text=strip_quoted(text),
        attachments=_attachments(message, used),
        automatic=_is_automatic(message, sender),
        recipients=tuple(recipients_of(message)),
    )
