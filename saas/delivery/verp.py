"""VERP return paths: each delivery's envelope sender names that delivery, signed.

A newsletter message goes out with MAIL FROM `bounce+<delivery id>-<mac>@<bounce domain>`,
so a bounce or a feedback-loop report that comes back names the one delivery it is about.
The MAC (saas.audience.reader_tokens: HMAC-SHA256 under SECRET_KEY, 96 bits, lower-case
base32, so a mail server that lower-cases local parts keeps it valid) stops anyone from
forging a bounce for another reader: without SECRET_KEY no token for a delivery id can be
made. The local part stays far under RFC 5321's 64 characters (about 35).

The bounce domain is BOUNCE_DOMAIN (default: RETURN_PATH_HOST, itself "bounces." + the
platform's mail domain), or `bounces.<their domain>` for a publication whose own sending
domain has its return-path CNAME in place (SPF then aligns with their From).
"""

from __future__ import annotations

from flask import current_app

from saas.audience.reader_tokens import read_ids, sign_ids
from saas.delivery import domain_checks
from saas.mail.senders import Sender, platform_address

PREFIX = "bounce+"
_PURPOSE = "verp-bounce"
MAX_LOCAL_PART = 64


def bounce_domain() -> str:
    """The platform's bounce domain: BOUNCE_DOMAIN, else the return-path host."""
    return current_app.config.get("BOUNCE_DOMAIN") or domain_checks.return_path_host()


def domain_for(sender: Sender | None) -> str:
    """Where this sender's bounces go: its own return-path host when aligned, else ours."""
    if sender is None or sender.envelope == platform_address():
        return bounce_domain()
    return sender.envelope.rpartition("@")[2] or bounce_domain()


def local_part(delivery_id: int) -> str:
    """`bounce+<id>-<mac>` for one delivery."""
    return PREFIX + sign_ids(_PURPOSE, delivery_id)


def return_path(delivery_id: int, domain: str) -> str:
    """The delivery's envelope sender on `domain`."""
    return f"{local_part(delivery_id)}@{domain}"


def is_bounce_address(address: str) -> bool:
    """Whether an address is shaped like a VERP return path (not whether it is genuine)."""
    local = (address or "").strip().strip("<>").rpartition("@")[0]
    return local.lower().startswith(PREFIX)


def read_return_path(address: str) -> int | None:
    """The delivery id a genuine VERP address names, else None (forged, malformed, other)."""
    local = (address or "").strip().strip("<>").rpartition("@")[0].lower()
    if not local.startswith(PREFIX) or len(local) > MAX_LOCAL_PART:
        return None
    ids = read_ids(_PURPOSE, local[len(PREFIX) :], 1)
    return ids[0] if ids else None
