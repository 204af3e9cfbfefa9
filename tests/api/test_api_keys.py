"""API keys: made on the settings page and shown once, stored as a keyed hash, revocable,
with their last use noted; only a key opens the API, never a session cookie."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta

from sqlalchemy import select, text

from saas.api import keys
from saas.api.models import ApiKey
from saas.core.extensions import db
from saas.core.tenancy import bound_to, cross_tenant
from tests.api.conftest import ApiClient, make_key
from tests.conftest import csrf_token, login

KEYS_PAGE = "/dashboard/calm/settings/api-keys"
KEY_RE = re.compile(r"tend_[A-Za-z0-9_-]{40}")


def _stored_keys(app) -> list[dict]:
    with app.app_context(), cross_tenant():
        return [dict(row._mapping) for row in db.session.execute(text("SELECT * FROM api_keys"))]


def _make_on_page(client, **fields):
    data = {"name": "Calendar sync", "csrf_token": csrf_token(client, KEYS_PAGE), **fields}
    return client.post(KEYS_PAGE, data=data)


def test_owner_makes_a_key_that_is_shown_once_and_stored_only_as_its_hmac(app, pub):
    client = app.test_client()
    login(client, "maya@example.com")
    page = _make_on_page(client, scopes=["subscribers:read", "issues:read"])
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    shown = KEY_RE.findall(page.get_data(as_text=True))
    assert len(set(shown)) == 1
    secret = shown[0]

    (row,) = _stored_keys(app)
    assert secret not in repr(row)
    expected = hmac.new(
        hmac.new(app.config["SECRET_KEY"].encode(), b"tend.api-key.v1", hashlib.sha256).digest(),
        secret.encode(),
        hashlib.sha256,
    ).hexdigest()
    assert row["key_hash"] == expected
    assert row["prefix"] == secret[:12] and len(row["prefix"]) < len(secret) // 3
    assert ApiClient(app, secret).get("/subscribers").status_code == 200

    again = client.get(KEYS_PAGE).get_data(as_text=True)
    assert secret not in again
    assert row["prefix"] in again and "Calendar sync" in again


def test_a_key_needs_a_scope_and_a_name(app, pub):
    client = app.test_client()
    login(client, "maya@example.com")
    response = _make_on_page(client, name="")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Choose at least one thing this key may do." in body
    assert _stored_keys(app) == []


def test_editors_cannot_see_or_make_keys(app, factories, pub):
    from saas.publishing.models import Membership

    editor = factories.user(email="ed@example.com", name="Ed")
    with app.app_context():
        db.session.add(Membership(user_id=editor.id, publication_id=pub.id, role="editor"))
        db.session.commit()
    client = app.test_client()
    login(client, "ed@example.com")
    assert client.get(KEYS_PAGE).status_code == 403
    token = csrf_token(client, "/dashboard/calm/issues")
    response = client.post(
        KEYS_PAGE, data={"name": "x", "scopes": ["subscribers:read"], "csrf_token": token}
    )
    assert response.status_code == 403
    assert _stored_keys(app) == []


def test_a_revoked_key_stops_working_at_once(app, pub):
    made = make_key(app, pub, ["subscribers:read"])
    api = ApiClient(app, made.secret)
    assert api.get("/subscribers").status_code == 200

    client = app.test_client()
    login(client, "maya@example.com")
    revoke = f"{KEYS_PAGE}/{made.row.id}/revoke"
    response = client.post(revoke, data={"csrf_token": csrf_token(client, KEYS_PAGE)})
    assert response.status_code == 302

    refused = api.get("/subscribers")
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "revoked" in client.get(KEYS_PAGE).get_data(as_text=True)


def test_last_use_is_noted_to_the_minute(app, pub):
    made = make_key(app, pub, ["subscribers:read"])
    assert made.row.last_used_at is None
    ApiClient(app, made.secret).get("/subscribers")
    with app.app_context(), bound_to(pub.id):
        first = db.session.get(ApiKey, made.row.id).last_used_at
        assert first is not None
        key = db.session.get(ApiKey, made.row.id)
        keys.record_use(key, now=first + timedelta(seconds=30))
        assert db.session.get(ApiKey, made.row.id).last_used_at == first
        keys.record_use(key, now=first + timedelta(seconds=61))
        assert db.session.get(ApiKey, made.row.id).last_used_at == first + timedelta(seconds=61)


def test_only_a_bearer_key_opens_the_api_never_the_session_cookie(app, pub):
    signed_in = app.test_client()
    login(signed_in, "maya@example.com")
    assert signed_in.get("/dashboard/calm/issues").status_code == 200
    for path in ("/api/v1/subscribers", "/api/v1/stats"):
        response = signed_in.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["type"].endswith("#problem-unauthenticated")
    response = signed_in.post(
        "/api/v1/subscribers", json={"email": "x@example.org", "consent_note": "asked"}
    )
    assert response.status_code == 401
    made = make_key(app, pub, ["subscribers:read"])
    for header in (made.secret, f"Basic {made.secret}", f"Bearer {made.secret}x", "Bearer "):
        response = app.test_client().get("/api/v1/subscribers", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_api_calls_need_no_csrf_token_while_the_dashboard_still_does(app, pub, api):
    created = api.post(
        "/subscribers",
        json={"email": "new@example.org", "consent_note": "Asked after a session"},
    )
    assert created.status_code == 201
    client = app.test_client()
    login(client, "maya@example.com")
    refused = client.post(KEYS_PAGE, data={"name": "x", "scopes": ["subscribers:read"]})
    assert refused.status_code == 400
    assert len(_stored_keys(app)) == 1  # the API client's key alone


def test_keys_of_one_publication_list_only_there(app, factories, pub):
    other = factories.publication(slug="other", name="Other Letters")
    make_key(app, pub, ["subscribers:read"])
    make_key(app, other, ["issues:read"])
    with app.app_context(), bound_to(pub.id):
        names = [k.scopes for k in db.session.scalars(select(ApiKey))]
    assert names == [["subscribers:read"]]
