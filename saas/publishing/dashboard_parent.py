"""The dashboard blueprint and its tenant binding for `/dashboard/<pub_slug>/...`."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g
from flask_login import current_user
from sqlalchemy import select

from saas.core.extensions import db, login_manager
from saas.core.tenancy import bind
from saas.publishing.models import ROLE_OWNER, Membership, Publication


def bind_dashboard(slug: str, user) -> Publication:
    """Resolve a dashboard page's publication; 404 unless `user` is a member."""
    row = db.session.execute(
        select(Publication, Membership)
        .join(Membership, Membership.publication_id == Publication.id)
        .where(Publication.slug == slug, Membership.user_id == user.id)
    ).first()
    if row is None:
        abort(404)
    publication, membership = row
    bind(db.session(), publication.id)
    g.publication = publication
    g.membership = membership
    return publication


bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.url_value_preprocessor
def pull_publication_slug(endpoint, values) -> None:
    if values is not None and "pub_slug" in values:
        g.dashboard_slug = values.pop("pub_slug")


@bp.before_request
def require_member():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    slug = g.pop("dashboard_slug", None)
    if slug is not None:
        bind_dashboard(slug, current_user)
    return None


@bp.url_defaults
def add_publication_slug(endpoint, values) -> None:
    publication = g.get("publication")
    if (
        publication is not None
        and "pub_slug" not in values
        and current_app.url_map.is_endpoint_expecting(endpoint, "pub_slug")
    ):
        values["pub_slug"] = publication.slug


def require_owner() -> None:
    """Stop editors at owner-only pages."""
    if g.membership.role != ROLE_OWNER:
        abort(403)


def is_owner() -> bool:
    """Whether the signed-in practitioner owns the current publication."""
    return g.get("membership") is not None and g.membership.role == ROLE_OWNER


@bp.context_processor
def inject_publication() -> dict:
    return {"publication": g.get("publication"), "is_owner": is_owner()}


def nest(name: str, import_name: str) -> Blueprint:
    """A feature's blueprint for `/dashboard/<pub_slug>/...`, under this parent's binding."""
    child = Blueprint(name, import_name)
    bp.register_blueprint(child)
    return child
