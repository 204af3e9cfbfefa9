"""Who outgoing mail is from: the platform's address, or a publication's own sending domain.

A `Sender` is the From address, the envelope sender (MAIL FROM: where bounces go, and what
SPF is checked against) and the DKIM signer for that domain. The platform's comes from
MAIL_FROM and the DKIM_* settings; a feature that lets a publication send from its own
domain builds one itself and passes it to the message. The platform signs every message
that leaves unsigned (`sign_unsigned`), when it has a key.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app

from saas.mail.dkim import Signer, is_signed

_lock = threading.Lock()
_signers: dict[tuple[str, str, str], Signer] = {}


@dataclass(frozen=True)
class Sender:
    """A From address, the envelope sender that goes with it, and its DKIM signer (if any)."""

    address: str
    envelope: str
    signer: Signer | None = None

    @property
    def domain(self) -> str:
        """The From address's domain."""
        return self.address.rpartition("@")[2]


def platform_address() -> str:
    """The platform's own From address (MAIL_FROM without its display name)."""
    return parseaddr(current_app.config["MAIL_FROM"])[1]


def platform_domain() -> str:
    """The domain the platform's own mail comes from (and signs as, unless DKIM_DOMAIN)."""
    return platform_address().rpartition("@")[2] or "tend.localhost"


def platform_signer() -> Signer | None:
    """The platform's signer, from DKIM_PRIVATE_KEY (None when no key is configured)."""
    config = current_app.config
    pem = config.get("DKIM_PRIVATE_KEY") or ""
    if not pem:
        return None
    domain = config.get("DKIM_DOMAIN") or platform_domain()
    key = (domain, config["DKIM_SELECTOR"], pem)
    with _lock:
        if key not in _signers:
            _signers[key] = Signer(*key)
        return _signers[key]


def platform_sender() -> Sender:
    """The platform's address, as envelope sender too, signed with the platform's key."""
    address = platform_address()
    return Sender(address, address, platform_signer())


def sign_unsigned(data: bytes) -> bytes:
    """The message, signed by the platform unless someone signed it already (or no key)."""
    signer = platform_signer()
    if signer is None or is_signed(data):
        return data
    return signer.sign(data)
