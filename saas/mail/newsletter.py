"""Newsletter messages: render an issue once per batch, personalise raw MIME, hand it over.

Rendering (Jinja, CSS inlining) costs far more than the message, so `IssueMessage` renders
the subject, the plaintext and the inlined HTML once, with opaque slots where each reader's
values go. `personalise()` fills the slots with string joins and writes the MIME bytes
itself: a handful of per-reader headers (RFC 2047 encoded where needed) around two
quoted-printable parts. Every header value passes through `header_safe`, so no name, title
or address can end a header line and start another.

`SmtpSession` then sends a batch's messages over one connection, reopening it and retrying
after temporary failures (4xx, timeouts, dropped connections) and reporting each message's
fate as an `Outcome`; `OutboxSession` stands in for it in the embedded default.

Merge fields in the issue (title, subtitle, body): `{{ name }}` / `{{ first_name }}` (first
name, "there" if unknown), `{{ full_name }}` and `{{ email }}`. When the issue uses none,
the message opens with "Hi <first name>," itself.
"""

from __future__ import annotations

import binascii
import html
import re
import secrets
import smtplib
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.header import Header
from email.utils import formatdate, parseaddr
from pathlib import Path

import css_inline
from flask import current_app, render_template

from saas.links import publication_base_url
from saas.mail.compose import header_safe
from saas.mail.transport import open_smtp, write_outbox
from saas.models.deliveries import BOUNCED, FAILED, SENT
from saas.models.issues import Issue
from saas.models.publications import Publication
from saas.services import paywall, reader_links

TEMPLATE = "email/newsletter"
TEST_PREFIX = "[Test] "
FALLBACK_NAME = "there"

# Slots are random per process, so nothing a practitioner or reader writes can fill one.
_SLOT = f"tendslot{secrets.token_hex(6)}"
_SLOT_RE = re.compile(f"{_SLOT}Z([a-z]+)Z")
_MERGE_RE = re.compile(r"\{\{\s*(name|first_name|full_name|email)\s*\}\}")
_MERGE_SLOTS = {"name": "first", "first_name": "first", "full_name": "full", "email": "email"}
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
# Conservative addr-spec: no whitespace, controls, quotes or address-list punctuation.
_ADDRESS_RE = re.compile(r"[^\s\x00-\x1f\x7f\"(),:;<>@\[\\\]]+@[^\s\x00-\x1f\x7f\"(),:;<>@\[\\\]]+")
_ATOMS_RE = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+")
_inliner = css_inline.CSSInliner(
    keep_style_tags=False, keep_at_rules=True, load_remote_stylesheets=False
)


class InvalidRecipient(ValueError):
    """An address this message cannot be sent to; the text says why, for the send record."""


@dataclass(frozen=True)
class Recipient:
    """Who a message is for: ids and the two strings that personalise it."""

    subscriber_id: int
    email: str
    name: str = ""


@dataclass(frozen=True)
class Personalised:
    """One reader's message, ready for SMTP."""

    to: str
    message_id: str
    data: bytes
    smtputf8: bool


def _slot(name: str) -> str:
    return f"{_SLOT}Z{name}Z"


def _merge_to_slots(text: str) -> str:
    return _MERGE_RE.sub(lambda m: _slot(_MERGE_SLOTS[m[1]]), text)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


class _Filled:
    """A rendered string split at its slots: even items are text, odd items slot names."""

    def __init__(self, text: str) -> None:
        self.parts = _SLOT_RE.split(text)

    @property
    def has_slots(self) -> bool:
        return len(self.parts) > 1

    def fill(self, values: dict[str, str]) -> str:
        parts = self.parts[:]
        parts[1::2] = [values[name] for name in parts[1::2]]
        return "".join(parts)


def phrase(display_name: str) -> str:
    """A display name as a header phrase: atoms as they are, else quoted or RFC 2047 encoded."""
    name = header_safe(display_name)
    if not name:
        return ""
    if name.isascii() and "=?" not in name:
        if _ATOMS_RE.fullmatch(name):
            return name
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return Header(name, "utf-8").encode(linesep="\r\n")


def mailbox(display_name: str, address: str) -> str:
    """`Name <address>` for a header, or the bare address when there is no name."""
    name = phrase(display_name)
    return f"{name} <{address}>" if name else f"<{address}>"


def envelope_address(email: str) -> tuple[str, bool]:
    """The address to hand to SMTP and whether it needs SMTPUTF8; InvalidRecipient if unusable."""
    email = (email or "").strip()
    if not _ADDRESS_RE.fullmatch(email):
        raise InvalidRecipient("Not a valid email address.")
    local, _, domain = email.rpartition("@")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise InvalidRecipient("The address's domain is not a valid host name.") from exc
    return f"{local}@{domain}", not local.isascii()


def _fold(line: bytes, limit: int) -> bytes:
    pieces = []
    while len(line) > limit:
        cut = limit - 1  # leaves room for the "=" of a soft line break
        while b"=" in line[cut - 2 : cut]:
            cut -= 1  # never split an =XX escape
        pieces.append(line[:cut] + b"=")
        line = line[cut:]
    pieces.append(line)
    return b"\r\n".join(pieces)


def _qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends, lines of at most 76 characters and a last line
    that can still take a soft line break."""
    encoded = binascii.b2a_qp(text.encode("utf-8"))
    if b"\r\n" not in encoded:
        encoded = encoded.replace(b"=\n", b"=\r\n")  # no hard breaks, so b2a_qp chose LF
    lines = encoded.split(b"\r\n")
    limits = [76] * (len(lines) - 1) + [75]
    if any(len(line) > limit for line, limit in zip(lines, limits, strict=True)):
        # b2a_qp lets a line ending in an encoded space or tab reach 77 characters.
        encoded = b"\r\n".join(_fold(ln, lim) for ln, lim in zip(lines, limits, strict=True))
    return encoded


class _EncodedPart:
    """A rendered body part, quoted-printable encoded once, with readers' values spliced in.

    Each value is encoded alone and joined to its neighbours by soft line breaks ("=" CRLF),
    which decoders remove: the result decodes to the filled text, at the cost of encoding a
    few short values per reader instead of the whole part.
    """

    def __init__(self, text: str) -> None:
        parts = _SLOT_RE.split(text)
        self.texts = [_qp(part) for part in parts[0::2]]
        self.slots = parts[1::2]

    def encode(self, values: dict[str, bytes]) -> bytes:
        pieces = [self.texts[0]]
        for slot, text in zip(self.slots, self.texts[1:], strict=True):
            pieces += (values[slot], text)
        return b"=\r\n".join(pieces)


def _subject_header(subject: str) -> str:
    if subject.isascii() and "=?" not in subject:
        return Header(subject, header_name="Subject").encode(linesep="\r\n")
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")


class IssueMessage:
    """An issue rendered for sending: personalise() makes each reader's message from it."""

    def __init__(
        self, publication: Publication, issue: Issue, test: bool = False, preview: bool = False
    ) -> None:
        config = current_app.config
        _, from_address = parseaddr(config["MAIL_FROM"])
        self.sender = from_address
        self.domain = from_address.rpartition("@")[2] or "tend.localhost"
        self.publication = publication
        self.issue_id = issue.id
        self.slug = publication.slug
        self.test = test
        accent = publication.accent_color if _HEX_COLOR.fullmatch(publication.accent_color) else ""
        merged = any(
            _MERGE_RE.search(text)
            for text in (issue.title, issue.subtitle, issue.body_markdown, issue.body_html)
        )
        context = {
            "publication": publication,
            "issue": issue,
            "test": test,
            "greet": not merged,
            "greeting_name": _slot("first"),
            "reader_email": _slot("email"),
            "unsubscribe_url": _slot("unsubscribe"),
            "view_online_url": reader_links.view_online_url(publication, issue),
            "archive_url": publication_base_url(publication),
            "author": publication.author_name or publication.name,
            "accent": accent or "#2f6f5e",
            # A paid issue's free readers get the preview and a way to upgrade.
            "body_html": paywall.preview_html(issue) if preview else issue.body_html,
            "body_markdown": paywall.preview_markdown(issue) if preview else issue.body_markdown,
            "upgrade_url": reader_links.view_online_url(publication, issue) + "#upgrade"
            if preview
            else "",
        }
        subject = header_safe(
            _merge_to_slots(render_template(f"{TEMPLATE}/subject.txt", **context))
        )
        text = _merge_to_slots(render_template(f"{TEMPLATE}/body.txt", **context))
        body = _merge_to_slots(render_template(f"{TEMPLATE}/body.html", **context))
        self.subject = _Filled((TEST_PREFIX if test else "") + subject)
        self.text = _EncodedPart(_crlf(text.strip() + "\n"))
        self.html = _EncodedPart(_crlf(_inliner.inline(body)))
        self.boundary = f"=_tend_{secrets.token_hex(12)}"  # "=_" never occurs in QP text
        static = not self.subject.has_slots
        self._static_subject = _subject_header(self.subject.parts[0]) if static else None
        self._head = f"From: {mailbox(context['author'], from_address)}\r\n"
        list_id = f"{mailbox(publication.name, f'{self.slug}.list-id.{self.domain}')}"
        self._tail = (
            f"List-Id: {list_id}\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
            "\r\n"
        )
        self._text_head = (
            f"--{self.boundary}\r\n"
            'Content-Type: text/plain; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode()
        self._html_head = (
            f"\r\n--{self.boundary}\r\n"
            'Content-Type: text/html; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode()
        self._end = f"\r\n--{self.boundary}--\r\n".encode()

    def message_id(self, subscriber_id: int) -> str:
        """Stable per issue and reader, so a retried message is recognisably the same one."""
        if self.test:
            return f"<test-{self.issue_id}.{secrets.token_hex(8)}.{self.slug}@{self.domain}>"
        return f"<issue-{self.issue_id}.sub-{subscriber_id}.{self.slug}@{self.domain}>"

    def personalise(self, recipient: Recipient) -> Personalised:
        """The complete message for one reader, as bytes ready for SMTP DATA."""
        to, smtputf8 = envelope_address(recipient.email)
        name = header_safe(recipient.name)
        first = name.split(" ", 1)[0] if name else FALLBACK_NAME
        publication, subscriber_id = self.publication, recipient.subscriber_id
        unsubscribe = reader_links.unsubscribe_url(publication, subscriber_id)
        mailto = reader_links.unsubscribe_mailto(publication, subscriber_id)
        raw = {
            "first": first,
            "full": name or FALLBACK_NAME,
            "email": to,
            "unsubscribe": unsubscribe,
        }
        text_values = {key: _qp(value) for key, value in raw.items()}
        html_values = {key: _qp(html.escape(value)) for key, value in raw.items()}
        message_id = self.message_id(subscriber_id)
        subject = self._static_subject or _subject_header(header_safe(self.subject.fill(raw)))
        head = (
            f"{self._head}"
            f"To: {mailbox(name, to)}\r\n"
            f"Subject: {subject}\r\n"
            f"Date: {formatdate(usegmt=True)}\r\n"
            f"Message-ID: {message_id}\r\n"
            f"Reply-To: {reader_links.reply_address(publication, self.issue_id, subscriber_id)}\r\n"
            f"List-Unsubscribe: <{unsubscribe}>,\r\n <{mailto}>\r\n"
            f"{self._tail}"
        )
        data = b"".join(
            (
                head.encode("utf-8"),
                self._text_head,
                self.text.encode(text_values),
                self._html_head,
                self.html.encode(html_values),
                self._end,
            )
        )
        return Personalised(to=to, message_id=message_id, data=data, smtputf8=smtputf8)


# --- handing messages over: one SMTP session per batch --------------------------------------

# Pauses before re-trying a message after a temporary failure (4xx, timeout, dropped link).
RETRY_DELAYS = (1.0, 4.0, 15.0)


class ConnectionLost(RuntimeError):
    """The mail server could not be reached even after retries: try the batch again later."""


@dataclass(frozen=True)
class Outcome:
    """What became of one message: a Delivery status, the server's words and ours."""

    status: str
    smtp_response: str = ""
    error: str = ""


class _Temporary(Exception):
    def __init__(self, text: str, connection: bool) -> None:
        super().__init__(text)
        self.connection = connection


def _text(code: int, reply: bytes | str) -> str:
    reply = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(reply.split())}".strip()


def _dot_stuffed(data: bytes) -> bytes:
    """SMTP transparency (RFC 5321 4.5.2): double every line-leading dot; end with CRLF."""
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class SmtpSession:
    """One SMTP connection for a batch, reopened after temporary failures."""

    def __init__(self, url: str, sender: str, timeout: float) -> None:
        self.url, self.sender, self.timeout = url, sender, timeout
        self.conn: smtplib.SMTP | None = None

    def deliver(self, message: Personalised) -> Outcome:
        """Send one message, retrying temporary failures; ConnectionLost if the server is gone."""
        last: _Temporary | None = None
        for delay in (0.0, *RETRY_DELAYS):
            if delay:
                time.sleep(delay)
            try:
                return self._attempt(message)
            except _Temporary as exc:
                last = exc
                self.close()
        assert last is not None
        if last.connection:
            raise ConnectionLost(str(last))
        return Outcome(FAILED, str(last), f"Still refused after {len(RETRY_DELAYS) + 1} tries.")

    def _connect(self) -> smtplib.SMTP:
        if self.conn is None:
            try:
                self.conn = open_smtp(self.url, timeout=self.timeout)
            except smtplib.SMTPResponseException as exc:
                raise _Temporary(_text(exc.smtp_code, exc.smtp_error), True) from exc
            except OSError as exc:
                raise _Temporary(f"Could not connect: {exc}", True) from exc
        return self.conn

    def _attempt(self, message: Personalised) -> Outcome:
        # One transaction by hand rather than smtplib.sendmail: it keeps the server's final
        # reply for the record, and skips re-parsing our own addresses and the regex
        # dot-stuffing pass over every message (~150 µs a message, measured).
        conn = self._connect()
        options = ""
        if message.smtputf8:
            if not conn.has_extn("smtputf8"):
                return Outcome(FAILED, "", "The address needs SMTPUTF8; the mail server lacks it.")
            conn.command_encoding = "utf-8"
            options = " SMTPUTF8 BODY=8BITMIME"
        try:
            code, reply = conn.docmd(f"MAIL FROM:<{self.sender}>{options}")
            if code != 250:
                return self._refused(conn, code, reply, "sender")
            code, reply = conn.docmd(f"RCPT TO:<{message.to}>")
            if code not in (250, 251):
                return self._refused(conn, code, reply, "recipient")
            code, reply = conn.docmd("DATA")
            if code != 354:
                return self._refused(conn, code, reply, "message")
            conn.send(_dot_stuffed(message.data) + b".\r\n")
            code, reply = conn.getreply()
        except smtplib.SMTPServerDisconnected as exc:
            raise _Temporary(f"Connection dropped: {exc}", True) from exc
        except OSError as exc:  # timeouts and resets
            raise _Temporary(f"Connection failed: {exc!r}", True) from exc
        if code != 250:
            return self._refused(conn, code, reply, "message", reset=False)
        return Outcome(SENT, _text(code, reply))

    def _refused(
        self, conn: smtplib.SMTP, code: int, reply: bytes, what: str, reset: bool = True
    ) -> Outcome:
        text = _text(code, reply)
        if reset:
            try:
                conn.rset()
            except (smtplib.SMTPException, OSError):
                self.close()
        if 500 <= code < 600:
            status = BOUNCED if what == "recipient" else FAILED
            return Outcome(status, text, f"The mail server refused the {what} permanently.")
        raise _Temporary(text, False)

    def close(self) -> None:
        """Say goodbye to the server, or just drop the connection if it is already gone."""
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


class OutboxSession:
    """The embedded default's stand-in for SMTP: each message becomes an .eml file."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)

    def deliver(self, message: Personalised) -> Outcome:
        """Store the message in the development outbox."""
        write_outbox(self.directory, message_from_bytes(message.data, policy=policy.default))
        return Outcome(SENT, "250 Stored in the development outbox")

    def close(self) -> None:
        """Nothing to close."""


def open_session(sender: str) -> SmtpSession | OutboxSession:
    """The session the configured transport calls for (connecting lazily)."""
    config = current_app.config
    if config["MAIL_TRANSPORT"] == "smtp":
        return SmtpSession(config["SMTP_URL"], sender, float(config["SMTP_TIMEOUT"]))
    if config["MAIL_TRANSPORT"] == "outbox":
        return OutboxSession(config["OUTBOX_DIR"])
    raise ValueError(f"unknown MAIL_TRANSPORT {config['MAIL_TRANSPORT']!r}")
