"""How a delivery is signed, as docs/webhooks.md tells receivers to check it.

`Tend-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the
endpoint's secret>`. The timestamp is signed with the body, so a receiver that refuses
timestamps older than REPLAY_WINDOW seconds cannot be fed an old delivery again; within the
window, the event id (`Tend-Event-Id`, also in the body) tells a repeat apart.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Tend-Signature"
REPLAY_WINDOW = 300  # seconds
SECRET_PREFIX = "whsec_"  # noqa: S105  (a label, not a secret)


def new_secret() -> str:
    """A fresh signing secret (shown to the owner, stored encrypted)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>`."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of the Tend-Signature header for `body`, signed now."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """Whether `header` signs `body` with `secret` within the replay window (receiver side)."""
    fields: dict[str, list[str]] = {}
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > REPLAY_WINDOW:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))
