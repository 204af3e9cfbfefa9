"""`POST /inbound/email`: a raw MIME message from an email provider, for receive_inbound().

Platform-wide (the message's reply address names the publication), CSRF-exempt and
authenticated by the shared secret in `X-Tend-Inbound-Secret`; an empty INBOUND_SECRET
switches the endpoint off (404). The body is the message itself (`message/rfc822` or
`application/octet-stream`), or a form field or file named `message`; the envelope
recipient, when the provider passes it, comes in `X-Tend-Envelope-To` or the form field
`recipient`. Messages over INBOUND_MAX_BYTES get 413.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request

from saas.core.extensions import csrf
from saas.replies.inbound import QUARANTINED, receive_inbound

bp = Blueprint("inbound", __name__, url_prefix="/inbound")
csrf.exempt(bp)

RAW_TYPES = ("message/rfc822", "application/octet-stream")
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields


@bp.url_value_preprocessor
def allow_large_messages(endpoint: str | None, values: dict | None) -> None:
    # URL processors run before anything reads the body, so the limit applies to it.
    if endpoint == "inbound.email":
        request.max_content_length = current_app.config["INBOUND_MAX_BYTES"] + FORM_OVERHEAD


def _answer(status: int, result: str, reason: str = ""):
    return jsonify(result=result, reason=reason), status


def _raw_message() -> bytes | None:
    if request.mimetype in RAW_TYPES:
        return request.get_data(cache=False)
    upload = request.files.get("message")
    if upload is not None:
        return upload.read(current_app.config["INBOUND_MAX_BYTES"] + 1)
    field = request.form.get("message")
    return field.encode("utf-8", "surrogateescape") if field is not None else None


@bp.route("/email", methods=["POST"])
def email():
    secret = current_app.config["INBOUND_SECRET"]
    if not secret:
        abort(404)
    given = request.headers.get("X-Tend-Inbound-Secret", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return _answer(403, "refused", "bad secret")
    limit = current_app.config["INBOUND_MAX_BYTES"]
    if (request.content_length or 0) > limit + FORM_OVERHEAD:
        return _answer(413, "refused", "too large")
    raw = _raw_message()
    if raw is None:
        return _answer(415, "refused", "send the message as message/rfc822 or a `message` field")
    if len(raw) > limit:
        return _answer(413, "refused", "too large")
    recipients = [
        *request.headers.getlist("X-Tend-Envelope-To"),
        *request.form.getlist("recipient"),
    ]
    result = receive_inbound(raw, recipients)
    if result.outcome == QUARANTINED:
        # Accepted and dropped: a provider must not retry, and the sender learns nothing.
        return _answer(200, result.outcome, result.reason)
    return _answer(202, result.outcome)
