"""API test fixtures: a publication, keys made through the keys service, a client that sends them.

The client carries no session cookie: only the key in its Authorization header speaks for it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from saas.api import keys, scopes
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication

API = "/api/v1"


class ApiClient:
    """Calls /api/v1/... with one key."""

    def __init__(self, app, key: str | None) -> None:
        self.client = app.test_client()
        self.key = key

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def call(self, method: str, path: str, **kwargs):
        headers = {**self._headers(), **kwargs.pop("headers", {})}
        return self.client.open(API + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.call("POST", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.call("DELETE", path, **kwargs)


def make_key(app, publication, key_scopes=scopes.ALL, **options) -> keys.NewKey:
    """A key of the publication, made through the service (as the settings page does)."""
    with app.app_context(), bound_to(publication.id):
        made = keys.create_key(
            db.session.get(Publication, publication.id), "Test tool", list(key_scopes), **options
        )
        db.session.refresh(made.row)
        db.session.expunge(made.row)
        return made


@pytest.fixture()
def owner(factories):
    return factories.user(email="maya@example.com", name="Maya")


@pytest.fixture()
def pub(factories, owner):
    return factories.publication(owner=owner, slug="calm", name="Calm Letters")


@pytest.fixture()
def api_for(app, pub) -> Callable[..., ApiClient]:
    """An API client whose key has `key_scopes` (every scope by default)."""

    def make(key_scopes=scopes.ALL, publication=None, **options) -> ApiClient:
        made = make_key(app, publication or pub, key_scopes, **options)
        return ApiClient(app, made.secret)

    return make


@pytest.fixture()
def api(api_for) -> ApiClient:
    """A client whose key may do everything (support in confidential mode excepted)."""
    return api_for()


def field_names(response) -> list[str]:
    """The fields a validation problem names."""
    return [error["field"] for error in response.get_json().get("errors", [])]
