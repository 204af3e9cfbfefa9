"""Publishing's part in public pages' holes: whether the visitor is one of the publication's
practitioners (they see their own publication's pages as its team, never a kept copy), and
which models' changes make its pages stale (saas.core.content_versions)."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user
from sqlalchemy import select

from saas.core.content_versions import PAGES, watch
from saas.core.extensions import db
from saas.core.page_holes import Fill, resolver
from saas.publishing.models import Issue, Membership, Publication


def _signed_in_practitioner() -> bool:
    """Whether the request may carry a practitioner's sign-in (without loading them)."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or remember in request.cookies


def is_member(publication: Publication) -> bool:
    """Whether the signed-in practitioner belongs to the publication."""
    if not _signed_in_practitioner() or not current_user.is_authenticated:
        return False
    found = db.session.scalar(
        select(Membership.id).where(
            Membership.publication_id == publication.id, Membership.user_id == current_user.id
        )
    )
    return found is not None


@resolver("who", "member")
def _member(fill: Fill) -> bool:
    publication = fill.context.get("publication")
    return publication is not None and is_member(publication)


def watch_public_content() -> None:
    """Issues and publications feed every public page."""
    watch(Issue, [PAGES])
    watch(Publication, [PAGES], publication_of=lambda publication: publication.id)
