"""Raw MIME pieces for messages built by hand: addresses, header phrases, quoted-printable.

The newsletter writes each reader's message as bytes rather than through EmailMessage
(about 25x cheaper), so these helpers carry the rules the email package would otherwise
apply: display names quoted or RFC 2047 encoded, addresses checked and their domains
IDNA-encoded, and quoted-printable bodies with CRLF line ends and lines of at most 76
characters. Every header value passes through `header_safe` first, so no value can end a
header line and start another.
"""

from __future__ import annotations

import binascii
import re
from email.header import Header

from saas.mail.compose import header_safe

# Conservative addr-spec: no whitespace, controls, quotes or address-list punctuation.
_ADDRESS_RE = re.compile(r"[^\s\x00-\x1f\x7f\"(),:;<>@\[\\\]]+@[^\s\x00-\x1f\x7f\"(),:;<>@\[\\\]]+")
_ATOMS_RE = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+")
# Values that quoted-printable leaves as they are: printable ASCII without "=", no spaces
# at the ends (an encoder must escape trailing white space).
_QP_LITERAL_RE = re.compile(r"[!-<>-~](?:[ !-<>-~]{0,72}[!-<>-~])?")


class InvalidRecipient(ValueError):
    """An address a message cannot be sent to; the text says why, for the send record."""


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


def subject_header(subject: str) -> str:
    """A Subject value, folded, and RFC 2047 encoded when it is not plain ASCII."""
    if subject.isascii() and "=?" not in subject:
        return Header(subject, header_name="Subject").encode(linesep="\r\n")
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")


def crlf(text: str) -> str:
    """The text with every line ending as CRLF."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


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


def quoted_printable(text: str) -> bytes:
    """Quoted-printable with CRLF line ends, lines of at most 76 characters and a last line
    that can still take a soft line break."""
    if _QP_LITERAL_RE.fullmatch(text):
        return text.encode("ascii")  # nothing to escape and short enough: as it is
    encoded = binascii.b2a_qp(text.encode("utf-8"))
    if b"\r\n" not in encoded:
        encoded = encoded.replace(b"=\n", b"=\r\n")  # no hard breaks, so b2a_qp chose LF
    lines = encoded.split(b"\r\n")
    limits = [76] * (len(lines) - 1) + [75]
    if any(len(line) > limit for line, limit in zip(lines, limits, strict=True)):
        # b2a_qp lets a line ending in an encoded space or tab reach 77 characters.
        encoded = b"\r\n".join(_fold(ln, lim) for ln, lim in zip(lines, limits, strict=True))
    return encoded
