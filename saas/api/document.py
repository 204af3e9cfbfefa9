"""The OpenAPI 3.1 document served at /api/v1/openapi.json.

spectree writes it from the decorated views and their models (saas.api.spec); this module
adds what spectree does not know: errors are problem+json (RFC 9457) with their headers,
and the links from a created resource to what can be done with it next, which clients and
schemathesis' stateful tests follow.
"""

from __future__ import annotations

import copy
from typing import Any

from saas.api.schemas.common import MAX_ID
from saas.api.spec import api_spec
from saas.core.problems import MEDIA_TYPE

RATE_HEADERS = {
    "Retry-After": {
        "description": "Seconds to wait before the key's next request is let through.",
        "schema": {"type": "integer", "minimum": 0},
    }
}
AUTH_HEADERS = {
    "WWW-Authenticate": {
        "description": "How to authenticate: a bearer API key.",
        "schema": {"type": "string"},
    }
}

# operationId -> status -> link name -> (target operationId, parameters from the response).
LINKS: dict[str, dict[str, dict[str, tuple[str, dict[str, str]]]]] = {
    "createSubscriber": {
        "201": {
            "GetSubscriber": ("getSubscriber", {"subscriber_id": "$response.body#/id"}),
            "TagSubscriber": ("tagSubscriber", {"subscriber_id": "$response.body#/id"}),
            "UnsubscribeSubscriber": (
                "unsubscribeSubscriber",
                {"subscriber_id": "$response.body#/id"},
            ),
            "EraseSubscriber": ("eraseSubscriber", {"subscriber_id": "$response.body#/id"}),
        }
    },
    "tagSubscriber": {
        "200": {
            "UntagSubscriber": (
                "untagSubscriber",
                {"subscriber_id": "$response.body#/id", "tag_id": "$response.body#/tags/0/id"},
            )
        }
    },
    "createIssue": {
        "201": {
            "GetIssue": ("getIssue", {"issue_id": "$response.body#/id"}),
            "PublishIssue": ("publishIssue", {"issue_id": "$response.body#/id"}),
        }
    },
    "createSend": {"201": {"GetSend": ("getSend", {"send_id": "$response.body#/id"})}},
}


def _operations(document: dict[str, Any]):
    for path_item in document["paths"].values():
        yield from path_item.values()


def _problems_as_problem_json(operation: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        if int(status) < 400 or "content" not in response:
            continue
        response["content"] = {MEDIA_TYPE: response["content"]["application/json"]}
        if status == "429":
            response["headers"] = RATE_HEADERS
        elif status == "401":
            response["headers"] = AUTH_HEADERS


def _bound_ids(operation: dict[str, Any]) -> None:
    # Ids in paths are PostgreSQL integers: say so (larger ones answer 404).
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            parameter["description"] = parameter.get("description") or "An id from this API."


def _add_links(operation: dict[str, Any]) -> None:
    for status, links in LINKS.get(operation.get("operationId", ""), {}).items():
        response = operation["responses"][status]
        response["links"] = {
            name: {"operationId": target, "parameters": parameters}
            for name, (target, parameters) in links.items()
        }


def openapi_document() -> dict[str, Any]:
    """The whole document (built from the app's routes once, then copied)."""
    document = copy.deepcopy(api_spec.spec)
    for operation in _operations(document):
        _problems_as_problem_json(operation)
        _bound_ids(operation)
        _add_links(operation)
        operation["description"] = operation.get("description") or operation.get("summary", "")
    document["info"]["description"] = (
        "Tend's API: one publication's subscribers, issues, sends, replies and support "
        "requests, reached with an API key from its settings. Errors are RFC 9457 "
        "problem details. See /api/v1/reference for the guide."
    )
    return document
