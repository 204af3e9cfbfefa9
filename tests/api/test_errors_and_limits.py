"""Every API error is an RFC 9457 problem, and each key has its own rate limit (429 with
Retry-After, also a problem)."""

from __future__ import annotations

import pytest

from saas.core.extensions import limiter

PROBLEM_MEMBERS = {"type", "title", "status", "detail", "instance"}


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert set(body) >= PROBLEM_MEMBERS and body["status"] == status
    return body


def test_routing_errors_are_problems_too(api):
    missing = _is_problem(api.get("/nothing-here"), 404)
    assert missing["type"] == "about:blank" and missing["title"] == "Not Found"
    assert missing["instance"] == "/api/v1/nothing-here"
    wrong_method = api.call("PUT", "/subscribers")
    _is_problem(wrong_method, 405)
    assert set(wrong_method.headers["Allow"].split(", ")) >= {"GET", "POST"}
    _is_problem(api.client.get("/api/v2/subscribers"), 404)
    # Ids past PostgreSQL's integer name nothing, whatever the method.
    for method in ("GET", "DELETE"):
        _is_problem(api.call(method, "/subscribers/99999999999"), 404)
    _is_problem(api.post("/issues/99999999999/publish"), 404)


def test_bodies_must_be_json_objects(api):
    as_form = api.post("/subscribers", data={"email": "x@example.org", "consent_note": "x"})
    _is_problem(as_form, 415)
    broken = api.post("/subscribers", data="{not json", content_type="application/json")
    assert _is_problem(broken, 400)["errors"] == [
        {"field": "body", "detail": "The body must be a JSON object."}
    ]
    a_list = api.post("/subscribers", json=[{"email": "x@example.org"}])
    _is_problem(a_list, 400)


def test_pages_elsewhere_keep_their_own_error_pages(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


@pytest.fixture()
def low_limit(app):
    previous = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    yield
    app.config["API_RATE_LIMIT"] = previous
    limiter.reset()


def test_each_key_has_its_own_rate_limit(api_for, low_limit):
    busy, other = api_for(["stats:read"]), api_for(["stats:read"])
    assert [busy.get("/stats").status_code for _ in range(3)] == [200, 200, 200]
    refused = busy.get("/stats")
    problem = _is_problem(refused, 429)
    assert problem["type"].endswith("#problem-rate-limited")
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert other.get("/stats").status_code == 200
    # The limit is the key's, whatever it asks for: a call outside its scopes is refused too.
    assert busy.get("/subscribers").status_code == 429


def test_guessing_keys_is_limited_by_address(app, low_limit):
    client = app.test_client()
    statuses = [
        client.get("/api/v1/stats", headers={"Authorization": "Bearer nope"}).status_code,
        client.get("/api/v1/stats").status_code,
    ]
    statuses += [client.get("/api/v1/stats").status_code for _ in range(2)]
    assert statuses == [401, 401, 401, 429]
