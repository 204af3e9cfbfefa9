"""Newsletter messages: render an issue once per batch, then write each reader's MIME bytes.

Rendering (Jinja, CSS inlining) costs far more than the message, so `IssueMessage` renders
the subject, the plaintext and the inlined HTML once, with opaque slots where each reader's
values go. `personalise()` fills the slots with string joins and writes the MIME bytes
itself: a handful of per-reader headers (RFC 2047 encoded where needed) around two
quoted-printable parts (see `saas.mail.mime`), then signs them (DKIM, `saas.mail.dkim`) as
the sender's domain: the publication's own, or the platform's.

The links in a message (view online, archive, unsubscribe, preferences, reply address) and the
body to
mail (the whole issue or a paid issue's preview) come from the caller as `MessageParts`; this
module knows nothing of tokens or paywalls.

Merge fields in the issue (title, subtitle, body): `{{ name }}` / `{{ first_name }}` (first
name, "there" if unknown), `{{ full_name }}` and `{{ email }}`. When the issue uses none,
the message opens with "Hi <first name>," itself. In the HTML part each value is written for
where it landed: text, or inside a link or other markup (see `saas.mail.merge_fields`).
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import Protocol

import css_inline
from flask import render_template

from saas.mail import merge_fields
from saas.mail.compose import header_safe
from saas.mail.merge_fields import SLOT_RE, merge_to_slots, slot
from saas.mail.mime import (
    InvalidRecipient,
    crlf,
    envelope_address,
    mailbox,
    quoted_printable,
    subject_header,
)
from saas.mail.senders import Sender, platform_sender

__all__ = [
    "InvalidRecipient",
    "IssueMessage",
    "MessageParts",
    "Offer",
    "Offers",
    "Personalised",
    "Recipient",
]

TEMPLATE = "email/newsletter"
TEST_PREFIX = "[Test] "
FALLBACK_NAME = "there"

_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_inliner = css_inline.CSSInliner(
    keep_style_tags=False, keep_at_rules=True, load_remote_stylesheets=False
)


class ReaderLinks(Protocol):
    """The links of one issue's email: shared ones, and the per-reader ones signed per id."""

    view_online_url: str
    archive_url: str

    def unsubscribe(self, subscriber_id: int) -> tuple[str, str]:
        """The reader's one-click unsubscribe link and its mailto: alternative."""

    def reply_to(self, subscriber_id: int) -> str:
        """The reader's Reply-To address for this issue."""

    def preferences(self, subscriber_id: int) -> str:
        """The reader's signed link to choose what they receive."""


@dataclass(frozen=True)
class Offer:
    """One way the practitioner can help, as the email's closing block lists it."""

    title: str
    description: str
    label: str
    url: str


@dataclass(frozen=True)
class Offers:
    """The closing "ways I can help" block: a heading, an introducing sentence, the offers."""

    heading: str
    intro: str
    items: tuple[Offer, ...]


@dataclass(frozen=True)
class MessageParts:
    """What the caller decides about an issue's email: its links and which body goes out."""

    links: ReaderLinks
    body_html: str
    body_markdown: str
    upgrade_url: str = ""  # set when the body is a paid issue's preview
    sender: Sender | None = None  # the publication's own domain; None: the platform's
    offers: Offers | None = None  # the closing block; None: the issue shows none


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
    sender: str = ""  # MAIL FROM for this message alone (a VERP address); "": the session's


class _Filled:
    """A rendered string split at its slots: even items are text, odd items slot names."""

    def __init__(self, text: str) -> None:
        self.parts = SLOT_RE.split(text)

    @property
    def has_slots(self) -> bool:
        return len(self.parts) > 1

    def fill(self, values: dict[str, str]) -> str:
        parts = self.parts[:]
        parts[1::2] = [values[name] for name in parts[1::2]]
        return "".join(parts)


class _EncodedPart:
    """A rendered body part, quoted-printable encoded once, with readers' values spliced in.

    Each value is encoded alone and joined to its neighbours by soft line breaks ("=" CRLF),
    which decoders remove: the result decodes to the filled text, at the cost of encoding a
    few short values per reader instead of the whole part.
    """

    def __init__(self, text: str) -> None:
        parts = SLOT_RE.split(text)
        self.texts = [quoted_printable(part) for part in parts[0::2]]
        self.slots = parts[1::2]
        self.wanted = frozenset(self.slots)

    def encode(self, values: dict[str, bytes]) -> bytes:
        pieces = [self.texts[0]]
        for name, text in zip(self.slots, self.texts[1:], strict=True):
            pieces += (values[name], text)
        return b"=\r\n".join(pieces)


class _Clock:
    """The Date header, formatted once per second rather than once per message."""

    def __init__(self) -> None:
        self.second, self.text = -1, ""

    def now(self) -> str:
        second = int(time.time())
        if second != self.second:
            self.second, self.text = second, formatdate(second, usegmt=True)
        return self.text


class NewsletterPublication(Protocol):
    """What the message reads of a publication (the template may read more)."""

    slug: str
    name: str
    author_name: str
    accent_color: str


class NewsletterIssue(Protocol):
    """What the message reads of an issue (the template may read more)."""

    id: int
    title: str
    subtitle: str
    body_markdown: str
    body_html: str


class IssueMessage:
    """An issue rendered for sending: personalise() makes each reader's message from it."""

    def __init__(
        self,
        publication: NewsletterPublication,
        issue: NewsletterIssue,
        parts: MessageParts,
        test: bool = False,
    ) -> None:
        sender = parts.sender or platform_sender()
        from_address = sender.address
        self.sender = sender.envelope  # MAIL FROM
        self.signer = sender.signer
        self.domain = sender.domain or "tend.localhost"
        self.links = parts.links
        self.issue_id = issue.id
        self.slug = publication.slug
        self.test = test
        self._clock = _Clock()
        accent = publication.accent_color if _HEX_COLOR.fullmatch(publication.accent_color) else ""
        merged = merge_fields.uses_merge_fields(
            issue.title, issue.subtitle, issue.body_markdown, issue.body_html
        )
        context = {
            "publication": publication,
            "issue": issue,
            "test": test,
            "greet": not merged,
            "greeting_name": slot("first"),
            "reader_email": slot("email"),
            "unsubscribe_url": slot("unsubscribe"),
            "preferences_url": slot("preferences"),
            "view_online_url": parts.links.view_online_url,
            "archive_url": parts.links.archive_url,
            "author": publication.author_name or publication.name,
            "accent": accent or "#2f6f5e",
            "body_html": parts.body_html,
            "body_markdown": parts.body_markdown,
            "upgrade_url": parts.upgrade_url,
            "offers": parts.offers,
        }
        subject = header_safe(merge_to_slots(render_template(f"{TEMPLATE}/subject.txt", **context)))
        text = merge_to_slots(render_template(f"{TEMPLATE}/body.txt", **context))
        body = merge_to_slots(render_template(f"{TEMPLATE}/body.html", **context))
        self.subject = _Filled((TEST_PREFIX if test else "") + subject)
        self.text = _EncodedPart(crlf(text.strip() + "\n"))
        self.html = _EncodedPart(crlf(merge_fields.place_slots(_inliner.inline(body))))
        self.boundary = f"=_tend_{secrets.token_hex(12)}"  # "=_" never occurs in QP text
        static = not self.subject.has_slots
        self._static_subject = subject_header(self.subject.parts[0]) if static else None
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

    def personalise(self, recipient: Recipient, return_path: str = "") -> Personalised:
        """The complete message for one reader, as bytes ready for SMTP DATA.

        `return_path` is this message's own envelope sender (where its bounces go); it is
        not part of the signed bytes, so it never disturbs the DKIM signature.
        """
        to, smtputf8 = envelope_address(recipient.email)
        name = header_safe(recipient.name)
        first = name.split(" ", 1)[0] if name else FALLBACK_NAME
        subscriber_id = recipient.subscriber_id
        unsubscribe, mailto = self.links.unsubscribe(subscriber_id)
        raw = {
            "first": first,
            "full": name or FALLBACK_NAME,
            "email": to,
            "unsubscribe": unsubscribe,
            "preferences": self.links.preferences(subscriber_id),
        }
        text_values = {key: quoted_printable(value) for key, value in raw.items()}
        html_values = {
            key: quoted_printable(value)
            for key, value in merge_fields.html_values(raw, self.html.wanted).items()
        }
        message_id = self.message_id(subscriber_id)
        subject = self._static_subject or subject_header(header_safe(self.subject.fill(raw)))
        head = (
            f"{self._head}"
            f"To: {mailbox(name, to)}\r\n"
            f"Subject: {subject}\r\n"
            f"Date: {self._clock.now()}\r\n"
            f"Message-ID: {message_id}\r\n"
            f"Reply-To: {self.links.reply_to(subscriber_id)}\r\n"
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
        if self.signer is not None:  # last: nothing may change the message after this
            data = self.signer.signature_header(data) + data
        return Personalised(
            to=to, message_id=message_id, data=data, smtputf8=smtputf8, sender=return_path
        )
