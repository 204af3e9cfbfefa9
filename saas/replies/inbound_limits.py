"""Bounds an inbound message must keep before any of its headers are parsed.

The standard library's header parsers take time that grows with the square of a header's
length (a 64 KiB Content-Type costs seconds, 20,000 To: addresses tens of seconds), and every
reader holds a reply address that makes Tend read what they send. So the header section is
measured on the raw bytes first, and once the message is split into its MIME parts (which
is linear) each part's raw headers are measured and the addresses counted, all before a
single header value is parsed. A message over a bound raises `Refused`, and
receive_inbound() quarantines it under the reason. The body is bounded too: only its first
MAX_BODY_CHARS are read for the reader's words (a stored reply keeps 20,000 at most).
"""

from __future__ import annotations

from email.message import Message

MAX_HEADER_BYTES = 256 * 1024  # the message's headers and all its parts' headers together
MAX_FIELD_CHARS = 8 * 1024  # one Subject, Content-Type, Content-Disposition or such
MAX_ADDRESSES = 1_000  # in the address headers read, counted by their "@" signs
MAX_PARTS = 500
MAX_BODY_CHARS = 256 * 1024  # of the text (or HTML) searched for the reader's words

ADDRESS_HEADERS = frozenset({"from", "to", "cc", "delivered-to", "x-original-to"})
# Parsed with the standard library's parameter and encoded-word parsers.
_PARSED_FIELDS = frozenset(
    {"subject", "content-type", "content-disposition", "content-transfer-encoding"}
)
_HEADER_ENDS = (b"\n\n", b"\n\r\n")  # the blank line, "\r\n\r\n" included


class Refused(ValueError):
    """The message breaks a bound; `reason` is what the quarantine records."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_raw(raw: bytes) -> None:
    """Refuse a message whose header section is too long, reading no further than the bound."""
    ends = [raw.find(end, 0, MAX_HEADER_BYTES + 3) for end in _HEADER_ENDS]
    found = [end for end in ends if end >= 0]
    if (min(found) if found else len(raw)) > MAX_HEADER_BYTES:
        raise Refused("headers_too_large")


def check_parts(message: Message) -> None:
    """Refuse too many parts, too many header bytes or addresses, or an over-long field."""
    header_bytes = 0
    for count, part in enumerate(message.walk(), start=1):
        if count > MAX_PARTS:
            raise Refused("too_many_parts")
        for name, value in part.raw_items():
            header_bytes += len(name) + len(value) + 2
            if len(value) > MAX_FIELD_CHARS and name.lower() in _PARSED_FIELDS:
                raise Refused("header_field_too_long")
        if header_bytes > MAX_HEADER_BYTES:
            raise Refused("headers_too_large")
    addresses = sum(
        value.count("@") for name, value in message.raw_items() if name.lower() in ADDRESS_HEADERS
    )
    if addresses > MAX_ADDRESSES:
        raise Refused("too_many_addresses")
