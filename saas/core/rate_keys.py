"""Rate-limit keys for an email address typed into a public form, one count per publication.

The address is keyed with SECRET_KEY (HMAC) so limiter storage and its log lines never hold a
reader's address, and the publication bound for the request is part of the key, so tries on
one publication's form never lock the address out of another's.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request

from saas.core.tenancy import current_publication_id


def posted_address_key(purpose: str) -> str:
    """The key for the `email` field of the posted form, for `purpose` on this publication."""
    address = (request.form.get("email") or "").strip().lower()[:254]
    digest = hmac.new(
        current_app.config["SECRET_KEY"].encode(), address.encode(), hashlib.sha256
    ).hexdigest()[:32]
    return f"{purpose}:{current_publication_id() or 0}:{digest}"
