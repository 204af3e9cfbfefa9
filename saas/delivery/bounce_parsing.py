"""Reading mail that comes back to a VERP address: hard bounce, soft bounce, complaint or none.

In order:
1. an ARF feedback report (RFC 5965: multipart/report; report-type=feedback-report) is a
   COMPLAINT, unless its Feedback-Type says otherwise (not-spam, auth-failure);
2. an RFC 3464 delivery status notification is read with the standard library: each
   per-recipient block's Action and Status; `failed` with a 5.x.x status is HARD, except the
   permanent codes that say nothing about the address (mailbox full, message too big, a
   policy or spam block: SOFT); `delayed` or 4.x.x is SOFT; delivered, relayed and expanded
   are no bounce at all;
3. an auto-reply (out of office, vacation, "Automatic reply") from a person's address is no
   bounce, whatever its text says;
4. anything else goes to flufl.bounce, Mailman's detectors for the non-standard formats
   (qmail, old Exim, Yahoo, Exchange...): permanent failures are HARD, temporary ones SOFT.
Nothing recognised: NOT_BOUNCE. The message must already be within the inbound bounds
(saas.replies.inbound_limits) when it gets here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses, parseaddr

from flufl.bounce import all_failures

HARD, SOFT, COMPLAINT, NOT_BOUNCE = "hard", "soft", "complaint", "not_bounce"

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# Permanent codes that are about the mailbox's state or the message, not the address.
_SOFT_PERMANENT = {("2", "2"), ("3", "4"), ("2", "3")}  # full, too big, too big for the box
_NOT_COMPLAINTS = {"not-spam", "auth-failure"}
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mdaemon")
_AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|"
    r"autoreply|auto:|away from|on vacation|vacation|abwesenheit|absence|r[ée]ponse automatique)",
    re.IGNORECASE,
)
_UNKNOWN_USER = re.compile(
    r"user unknown|no such (user|mailbox|recipient)|does not exist|doesn't exist|"
    r"unknown (user|recipient)|mailbox unavailable|invalid recipient|address rejected|"
    r"recipient address rejected|account (is )?disabled|no mailbox",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BounceReport:
    """What a returned message says: its class, who it is about, the server's words."""

    kind: str
    recipients: tuple[str, ...] = ()
    status: str = ""
    diagnostic: str = ""
    detail: dict = field(default_factory=dict)


def _text(value: object) -> str:
    return " ".join(str(value or "").split())


def _address(value: str) -> str:
    """An address from a DSN field (`rfc822; a@b`) or a header."""
    value = _text(value)
    if ";" in value:
        value = value.split(";", 1)[1]
    address = parseaddr(value)[1] or value.strip("<> ")
    return address.lower() if "@" in address else ""


def _report_parts(message: Message, report_type: str, part_type: str) -> list[Message]:
    found = []
    for part in message.walk():
        if part.get_content_type() == "multipart/report":
            if (part.get_param("report-type") or "").lower() != report_type:
                continue
            found += [p for p in part.walk() if p.get_content_type() == part_type]
    return found


def _field_blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    return []


def _fields(part: Message) -> dict[str, str]:
    """A feedback report's fields (some senders send it as plain text)."""
    blocks = _field_blocks(part)
    if blocks:
        out: dict[str, str] = {}
        for block in blocks:
            for name, value in block.items():
                out.setdefault(name.lower(), _text(value))
        return out
    raw = part.get_payload(decode=True) or b""
    out = {}
    for line in raw.decode("utf-8", "replace").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            out.setdefault(name.strip().lower(), value.strip())
    return out


def _original_recipients(message: Message) -> list[str]:
    """The To of the message a report encloses (message/rfc822 or text/rfc822-headers)."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822" and part.is_multipart():
            inner = part.get_payload(0)
            return [a.lower() for _, a in getaddresses(inner.get_all("To", [])) if "@" in a]
        if kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True) or b""
            headers = raw.decode("utf-8", "replace").split("\n\n", 1)[0]
            for line in re.split(r"\r?\n(?![ \t])", headers):
                name, _, value = line.partition(":")
                if name.strip().lower() == "to":
                    return [a.lower() for _, a in getaddresses([value]) if "@" in a]
    return []


def _complaint(message: Message) -> BounceReport | None:
    parts = _report_parts(message, "feedback-report", "message/feedback-report")
    if not parts:
        return None
    fields = _fields(parts[0])
    feedback_type = fields.get("feedback-type", "abuse").lower()
    if feedback_type in _NOT_COMPLAINTS:
        return BounceReport(NOT_BOUNCE, detail={"feedback_type": feedback_type})
    named = [_address(fields.get(name, "")) for name in ("original-rcpt-to", "removal-recipient")]
    recipients = [a for a in named if a] or _original_recipients(message)
    return BounceReport(
        COMPLAINT,
        tuple(dict.fromkeys(recipients)),
        detail={"feedback_type": feedback_type, "user_agent": fields.get("user-agent", "")},
    )


def classify_status(action: str, status: str, diagnostic: str) -> str:
    """HARD, SOFT or NOT_BOUNCE for one DSN recipient block."""
    action = action.lower()
    if action in ("delivered", "relayed", "expanded"):
        return NOT_BOUNCE
    found = _STATUS.search(status) or _STATUS.search(diagnostic)
    klass, subject, detail = found.groups() if found else ("", "", "")
    if action == "delayed" or klass == "4":
        return SOFT
    if klass == "2":
        return NOT_BOUNCE
    if klass == "5":
        if (subject, detail) in _SOFT_PERMANENT or subject == "7":
            return HARD if _UNKNOWN_USER.search(diagnostic) else SOFT
        return HARD
    if action == "failed":
        return HARD if _UNKNOWN_USER.search(diagnostic) or not diagnostic else SOFT
    return NOT_BOUNCE


def _diagnostic(block: Message) -> str:
    """The server's words, without the `smtp;` type in front."""
    value = _text(block.get("Diagnostic-Code"))
    kind, sep, rest = value.partition(";")
    return rest.strip() if sep and " " not in kind.strip() else value


def _dsn(message: Message) -> BounceReport | None:
    parts = _report_parts(message, "delivery-status", "message/delivery-status")
    if not parts:
        return None
    rank = {HARD: 3, SOFT: 2, NOT_BOUNCE: 1}
    best: BounceReport | None = None
    for part in parts:
        for block in _field_blocks(part)[1:] or _field_blocks(part):
            recipient = _address(block.get("Original-Recipient", "")) or _address(
                block.get("Final-Recipient", "")
            )
            if not recipient:
                continue
            status, diagnostic = _text(block.get("Status")), _diagnostic(block)
            kind = classify_status(_text(block.get("Action")), status, diagnostic)
            report = BounceReport(kind, (recipient,), status, diagnostic[:500])
            if best is None or rank[kind] > rank[best.kind]:
                best = report
            elif kind == best.kind and recipient not in best.recipients:
                best = BounceReport(
                    kind, (*best.recipients, recipient), best.status, best.diagnostic
                )
    return best


def _sender(message: Message) -> str:
    return parseaddr(_text(message.get("From")))[1].lower()


def is_auto_reply(message: Message) -> bool:
    """An out-of-office or other automatic answer from a person, not a mail server."""
    if _sender(message).partition("@")[0] in _DAEMONS:
        return False
    auto = _text(message.get("Auto-Submitted")).lower()
    precedence = _text(message.get("Precedence")).lower()
    return bool(
        message.get("X-Autoreply")
        or message.get("X-Autorespond")
        or auto.startswith("auto-replied")
        or precedence == "auto_reply"
        or _AUTO_SUBJECT.search(_text(message.get("Subject")))
    )


def _flufl(message: Message) -> BounceReport:
    temporary, permanent = all_failures(message)

    def decoded(found) -> tuple[str, ...]:
        return tuple(
            sorted({a.decode("ascii", "replace").strip("<>").lower() for a in found if b"@" in a})
        )

    if permanent:
        return BounceReport(HARD, decoded(permanent), detail={"detector": "flufl"})
    if temporary:
        return BounceReport(SOFT, decoded(temporary), detail={"detector": "flufl"})
    return BounceReport(NOT_BOUNCE)


def read_bounce(message: Message) -> BounceReport:
    """Classify a message sent back to a VERP address."""
    return (
        _complaint(message)
        or _dsn(message)
        or (
            BounceReport(NOT_BOUNCE, detail={"auto_reply": True})
            if is_auto_reply(message)
            else None
        )
        or _flufl(message)
    )
