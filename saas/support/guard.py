"""Abuse guards for the support form: minimum fill time, rate-limit keys, no attachments."""

from __future__ import annotations

import time

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

from saas.core.rate_keys import posted_address_key

MIN_FILL_SECONDS = 3
MAX_FORM_AGE_SECONDS = 2 * 86_400

FILL_OK = "ok"
FILL_TOO_FAST = "too_fast"
FILL_STALE = "stale"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="tend.support-form-started")


def start_token(publication_id: int, issued_at: float | None = None) -> str:
    """A signed note of when this publication's form was shown to the reader."""
    moment = int(time.time() if issued_at is None else issued_at)
    return _serializer().dumps({"p": publication_id, "t": moment})


def fill_check(token: str | None, publication_id: int, now: float | None = None) -> str:
    """FILL_OK, FILL_TOO_FAST (sent within MIN_FILL_SECONDS), or FILL_STALE (missing, old,
    forged)."""
    try:
        payload = _serializer().loads(token or "")
    except BadSignature:
        return FILL_STALE
    if not isinstance(payload, dict) or payload.get("p") != publication_id:
        return FILL_STALE
    try:
        age = (time.time() if now is None else now) - float(payload.get("t"))
    except (TypeError, ValueError):
        return FILL_STALE
    if age > MAX_FORM_AGE_SECONDS:
        return FILL_STALE
    if age < MIN_FILL_SECONDS:
        return FILL_TOO_FAST
    return FILL_OK


def address_key() -> str:
    """Rate-limit key for the address in the form (hashed, per publication)."""
    return posted_address_key("support-address")


def mark_accepted() -> None:
    """Count this request against the per-address limit (stored or silently dropped)."""
    g.support_accepted = True


def was_accepted(response) -> bool:
    """deduct_when for the per-address limit: only requests that went through count."""
    return bool(g.get("support_accepted"))


def has_attachments() -> bool:
    """Whether the request carries file parts (the form never asks for any)."""
    return bool(request.files)
