"""The OpenAPI 3.1 document is generated from the code, valid, complete, and the reference
page shows every operation in it."""

from __future__ import annotations

import schemathesis

API_RULES_WITHOUT_DOCUMENTATION = {"api.docs.openapi_json", "api.docs.reference_page"}


def _document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client):
    document = _document(client)
    assert document["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(document).validate()
    # 3.1's JSON Schema: a nullable field is a union with null, never 3.0's `nullable`.
    assert "nullable" not in str(document)
    send_at = document["components"]["schemas"]["NewSend"]["properties"]["send_at"]
    assert {"type": "null"} in send_at["anyOf"]
    segment = document["components"]["schemas"]["NewSend"]["properties"]["segment"]
    shown = str(segment) + str(document["components"]["schemas"])
    for rule in ("tags_any", "tags_all", "tags_none", "joined_after", "sources"):
        assert rule in shown


def test_every_api_route_is_documented_with_its_scope_and_problems(app, client):
    document = _document(client)
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if (
            rule.endpoint.startswith("api.")
            and rule.endpoint not in API_RULES_WITHOUT_DOCUMENTATION
        ):
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            routes |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented
    for path, item in document["paths"].items():
        for method, spec in item.items():
            assert spec["security"] and list(spec["security"][0].values())[0], (method, path)
            for status in ("401", "403", "429"):
                content = spec["responses"][status]["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)
    assert "Retry-After" in document["paths"]["/api/v1/stats"]["get"]["responses"]["429"]["headers"]


def test_created_resources_link_to_what_comes_next(client):
    document = _document(client)
    links = document["paths"]["/api/v1/subscribers"]["post"]["responses"]["201"]["links"]
    assert links["GetSubscriber"] == {
        "operationId": "getSubscriber",
        "parameters": {"subscriber_id": "$response.body#/id"},
    }
    operation_ids = {
        spec["operationId"] for item in document["paths"].values() for spec in item.values()
    }
    for item in document["paths"].values():
        for spec in item.values():
            for response in spec["responses"].values():
                for link in response.get("links", {}).values():
                    assert link["operationId"] in operation_ids


def test_the_reference_page_shows_every_operation_without_a_key(client):
    document = _document(client)
    page = client.get("/api/v1/reference")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for item in document["paths"].values():
        for spec in item.values():
            assert f'id="{spec["operationId"]}"' in html
    for kind in ("validation", "missing-scope", "confidential", "rate-limited", "unauthenticated"):
        assert f'id="problem-{kind}"' in html
    assert "<code>subscribers:write</code>" in html
    assert 'id="schema-SubscriberOut"' in html
