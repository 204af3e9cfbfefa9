"""The API's own documentation: the OpenAPI document and the reference page (no key needed)."""

from __future__ import annotations

from flask import current_app, jsonify, render_template

from saas.api import reference, scopes
from saas.api.blueprints import docs_bp as bp
from saas.api.document import openapi_document
from saas.api.spec import TAGS
from saas.core import problems


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document, generated from the code."""
    return jsonify(openapi_document())


@bp.get("/reference")
def reference_page():
    """Every operation, the scopes, errors and limits, for people."""
    document = openapi_document()
    return render_template(
        "api/reference.html",
        sections=reference.sections(document, order=list(TAGS)),
        schemas=reference.schemas(document),
        prose=reference.prose,
        scopes=scopes.SCOPES,
        api_url=current_app.config["BASE_URL"] + "/api/v1",
        rate_limit=current_app.config["API_RATE_LIMIT"],
        problem_kinds=PROBLEM_KINDS,
        version=document["info"]["version"],
    )


# The `type` of each documented problem (anchors on the reference page), and when it comes.
PROBLEM_KINDS = (
    (problems.UNAUTHENTICATED, 401, "No key was sent, or it is not a key of Tend's, or revoked."),
    (problems.MISSING_SCOPE, 403, "The key was not given the scope this operation needs."),
    (
        problems.CONFIDENTIAL,
        403,
        "Support requests are in confidential mode and the key was not allowed to read them.",
    ),
    (
        problems.VALIDATION,
        422,
        "A field is missing or not valid; `errors` names each field and what is wrong.",
    ),
    (
        problems.CONFLICT,
        409,
        "The request clashes with what exists: an address already listed, a slug in use, an "
        "issue already sent.",
    ),
    (problems.RATE_LIMITED, 429, "Too many requests for this key; wait Retry-After seconds."),
)
