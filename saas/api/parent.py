"""The API's parent blueprint, `/api/v1/...`: the caller's key names the tenant.

Every API route nests into this parent (`nest`), as dashboard and public routes nest into
publishing's two parents; so the key is read, checked and bound through saas.core.tenancy
in this one place, never from the URL. A session cookie opens nothing here: only
`Authorization: Bearer <key>` does, and the API's routes are exempt from CSRF for that
reason (a browser cannot be tricked into sending a bearer key). Each key has its own rate
limit (API_RATE_LIMIT); calls without a valid key share one per address, so guessing keys
is limited too.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, request
from flask_limiter.util import get_remote_address

from saas.api import keys
from saas.api.models import ApiKey
from saas.core import problems
from saas.core.extensions import csrf, db, limiter
from saas.core.tenancy import bind
from saas.publishing.models import Publication

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Routes anyone may read: the OpenAPI document and the reference page.
OPEN_BLUEPRINT = "api.docs"


def presented_key() -> str:
    """The key in the Authorization header (`Bearer <key>`), or ""."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _key_of_request() -> ApiKey | None:
    """The active key the caller presented (looked up once per request)."""
    if "api_key_found" not in g:
        secret = presented_key()
        g.api_key_found = keys.find_by_secret(secret) if secret else None
    return g.api_key_found


def rate_bucket() -> str:
    """Whose requests count together: one API key's, or one address's without a valid key."""
    key = _key_of_request()
    if key is not None:
        return f"api-key:{key.id}"
    return "api-anonymous:" + get_remote_address()


limiter.shared_limit(
    lambda: current_app.config["API_RATE_LIMIT"], scope="api-v1", key_func=rate_bucket
)(bp)


@bp.before_request
def bind_publication_from_key() -> None:
    """Find the key's publication and bind it for the request, or answer 401."""
    if OPEN_BLUEPRINT in request.blueprints:
        return
    key = _key_of_request()
    if key is None:
        raise problems.Problem(
            401,
            "Send a valid API key as `Authorization: Bearer <key>`. Keys are made in the "
            "publication's settings; a revoked key stops working at once.",
            kind=problems.UNAUTHENTICATED,
            headers={"WWW-Authenticate": 'Bearer realm="Tend API"'},
        )
    bind(db.session(), key.publication_id)
    g.publication = db.session.get(Publication, key.publication_id)
    g.api_key = key
    keys.record_use(key)


def nest(name: str, import_name: str) -> Blueprint:
    """A blueprint for `/api/v1/...` under this parent's binding, exempt from CSRF."""
    child = Blueprint(name, import_name)
    csrf.exempt(child)
    bp.register_blueprint(child)
    return child
