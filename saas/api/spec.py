"""The OpenAPI 3.1 document's source: spectree on pydantic models, one decorator per operation.

spectree rather than apiflask or flask-smorest: it works on the plain Flask app and its nested
blueprints (apiflask wants its own app class, which also turns every error page of the site
into JSON; flask-smorest installs an app-wide error handler), and pydantic v2 writes JSON
Schema 2020-12, the dialect OpenAPI 3.1 adopted, so the document is 3.1 through and through
(null types, not 3.0's `nullable`). The same models validate each request (a problem naming
each field at fault) and each response (a handler that strays from its schema fails loudly).

`operation` stacks, outermost first: the scope check, a JSON body check, spectree's
validation, the view; so a key without the scope learns nothing about the body's rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from flask import g, request
from spectree import Response, SecurityScheme, SpecTree, Tag
from spectree.models import SecureType, SecuritySchemeData

from saas.api.schemas.common import MAX_ID
from saas.api.schemas.common import Problem as ProblemBody
from saas.core import problems

SECURITY_SCHEME = "apiKey"

TAGS = {
    "subscribers": Tag(name="subscribers", description="Readers on the list, and their tags."),
    "issues": Tag(name="issues", description="Newsletter issues: drafts and published ones."),
    "sends": Tag(name="sends", description="Sending an issue to the readers."),
    "replies": Tag(name="replies", description="What readers wrote back."),
    "support": Tag(name="support", description="Support requests and their pipeline stages."),
    "stats": Tag(name="stats", description="The publication's numbers."),
}


def _refuse_invalid(req, resp, error, instance, model_adapter) -> None:
    """spectree's hook after checking a request: a failed check becomes a 422 problem."""
    if error is None:
        return
    found = []
    for item in error.errors():
        path = ".".join(str(part) for part in item.get("loc", ())) or "body"
        message = str(item.get("msg", "is not valid")).removeprefix("Value error, ")
        found.append(problems.field_error(path, message))
    summary = "; ".join(f"{e['field']}: {e['detail']}" for e in found[:5])
    raise problems.Problem(
        422, summary, kind=problems.VALIDATION, title="Your request is not valid", errors=found
    )


api_spec = SpecTree(
    "flask",
    mode="strict",
    title="Tend API",
    version="1",
    openapi_version="3.1.0",
    description="Subscribers, issues, sends, replies and support requests of one publication.",
    before=_refuse_invalid,
    validation_error_status=422,
    validation_error_model=ProblemBody,
    naming_strategy=lambda model: getattr(model, "__name__", str(model)),
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[
        SecurityScheme(
            name=SECURITY_SCHEME,
            data=SecuritySchemeData(
                type=SecureType.HTTP,
                scheme="bearer",
                description="An API key from the publication's settings, as "
                "`Authorization: Bearer tend_...`.",
            ),
        )
    ],
    security={SECURITY_SCHEME: []},
)


def require_scope(scope: str) -> None:
    """Refuse the call unless the key was given `scope`."""
    if not g.api_key.allows(scope):
        raise problems.Problem(
            403,
            f"This API key does not have the {scope} scope. Make a key with it in the "
            "publication's settings.",
            kind=problems.MISSING_SCOPE,
        )


def _refuse_impossible_ids(path_values: dict[str, Any]) -> None:
    # Past PostgreSQL's integer no row exists (and the database would refuse to compare).
    for name, value in path_values.items():
        if name.endswith("_id") and isinstance(value, int) and value > MAX_ID:
            raise problems.Problem(404, "Nothing has this id.")


def _require_json_body() -> None:
    if not request.is_json:
        raise problems.Problem(415, "Send the body as JSON, with Content-Type: application/json.")
    if not isinstance(request.get_json(silent=True), dict):
        raise problems.invalid("body", "The body must be a JSON object.", status=400)


def operation(
    operation_id: str,
    *,
    tag: str,
    scope: str,
    ok: Any = None,
    created: Any = None,
    no_content: bool = False,
    query: Any = None,
    json: Any = None,
    errors: Sequence[int] = (),
) -> Callable:
    """Document and guard one API operation (see the module docstring for the order)."""
    codes: dict[str, Any] = {}
    if ok is not None:
        codes["HTTP_200"] = ok
    if created is not None:
        codes["HTTP_201"] = created
    statuses = {401, 403, 429, *errors}
    if json is not None:
        statuses |= {400, 413, 415}
    for status in sorted(statuses):
        codes[f"HTTP_{status}"] = ProblemBody
    response = Response("HTTP_204", **codes) if no_content else Response(**codes)
    validate = api_spec.validate(
        query=query,
        json=json,
        resp=response,
        tags=[TAGS[tag]],
        security={SECURITY_SCHEME: [scope]},
        operation_id=operation_id,
    )

    def decorate(view: Callable) -> Callable:
        validated = validate(view)

        @wraps(validated)
        def guarded(*args: Any, **kwargs: Any):
            require_scope(scope)
            _refuse_impossible_ids(kwargs)
            if json is not None:
                _require_json_body()
            return validated(*args, **kwargs)

        return guarded

    return decorate
