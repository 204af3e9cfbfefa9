"""RFC 9457 problem details: how every error under /api/ is answered.

A problem is a JSON object served as `application/problem+json` with `type` (a URI naming
the kind of problem; "about:blank" when the HTTP status says it all), `title`, `status` and
`detail`. Validation problems add `errors`, one entry per field at fault, each naming the
field. Code that refuses an API call raises `Problem`; saas.core.errors turns it, and any other
HTTP error on an /api/ path, into such a response.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"

# The kinds of problem the API documents (each has a section on the reference page).
TYPE_BASE = "/api/v1/reference#problem-"
VALIDATION = "validation"
MISSING_SCOPE = "missing-scope"
CONFIDENTIAL = "confidential"
CONFLICT = "conflict"
RATE_LIMITED = "rate-limited"
UNAUTHENTICATED = "unauthenticated"


def type_uri(kind: str) -> str:
    """The `type` member for one of the documented kinds of problem (an absolute URI)."""
    return current_app.config["BASE_URL"] + TYPE_BASE + kind


def is_api_request() -> bool:
    """Whether the current request is an API call (answered with problems, not pages)."""
    return request.path.startswith(API_PREFIX)


class Problem(HTTPException):
    """An HTTP error with the members of its problem object (raise it like `abort`)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        errors: Sequence[Mapping[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(description=detail)
        self.code = status
        self.kind = kind
        self.title = title or HTTPStatus(status).phrase
        self.errors = [dict(e) for e in errors]
        self.extra_headers = dict(headers or {})


def field_error(field: str, detail: str) -> dict[str, str]:
    """One entry of a validation problem's `errors`."""
    return {"field": field, "detail": detail}


def invalid(field: str, detail: str, status: int = 422) -> Problem:
    """A validation problem about one field (status 422 unless said otherwise)."""
    return Problem(
        status,
        f"{field}: {detail}",
        kind=VALIDATION,
        title="Your request is not valid",
        errors=[field_error(field, detail)],
    )


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str | None = None,
    errors: Sequence[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem+json response; the request path is the problem's `instance`."""
    body: dict[str, Any] = {
        "type": type_uri(kind) if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [dict(e) for e in errors]
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_error(error: HTTPException, title: str, detail: str) -> Response:
    """The problem response for an HTTP error raised while serving an API call."""
    status = error.code or 500
    if isinstance(error, Problem):
        return problem_response(
            status,
            error.title,
            error.description or detail,
            kind=error.kind,
            errors=error.errors,
            headers=error.extra_headers,
        )
    headers = {}
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem_response(status, title, detail, headers=headers)
