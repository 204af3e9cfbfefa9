"""The public blueprint: `/p/<pub_slug>/...` (or `/` on a custom domain), tenant bound here."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from saas.core.extensions import db
from saas.core.tenancy import bind
from saas.publishing import public_records
from saas.publishing.models import Publication


def bind_public(slug: str) -> Publication:
    """Resolve a public page's publication from its slug (cached: public_records), or 404."""
    publication = public_records.find(slug)
    bind(db.session(), publication.id)
    g.publication = publication
    return publication


bp = Blueprint("public", __name__, url_prefix="/p/<pub_slug>")


@bp.url_value_preprocessor
def resolve_publication(endpoint, values) -> None:
    if values is not None and "pub_slug" in values:
        bind_public(values.pop("pub_slug"))


@bp.url_defaults
def add_publication_slug(endpoint, values) -> None:
    publication = g.get("publication")
    if publication is not None and "pub_slug" not in values:
        values["pub_slug"] = publication.slug


@bp.before_request
def stop_if_suspended():
    """A suspended publication shows a neutral notice on every public page and form."""
    publication = g.get("publication")
    if publication is not None and publication.is_suspended:
        return render_template("publishing/unavailable.html"), 503
    return None


def nest(name: str, import_name: str) -> Blueprint:
    """A feature's blueprint for `/p/<pub_slug>/...`, under this parent's tenant binding."""
    child = Blueprint(name, import_name)
    bp.register_blueprint(child)
    return child
