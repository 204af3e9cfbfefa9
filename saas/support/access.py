"""Who may see support requests (owners; editors when shared) and the navigation count."""

from __future__ import annotations

from flask import abort, g

from saas.publishing import dashboard_parent
from saas.publishing.dashboard_parent import is_owner
from saas.support import form_settings as support_forms
from saas.support import pipeline as support_pipeline


def can_see_support() -> bool:
    """Owners always; editors only when an owner shared the pipeline with them."""
    if g.get("publication") is None or g.get("membership") is None:
        return False
    if is_owner():
        return True
    if "support_shared" not in g:
        g.support_shared = support_forms.get_form(g.publication).share_with_editors
    return bool(g.support_shared)


def require_support_access() -> None:
    """Stop members who may not read support requests."""
    if not can_see_support():
        abort(403)


@dashboard_parent.bp.context_processor
def inject_support_nav() -> dict:
    """The "Support" link and its count of new requests, for members who may see them."""
    if not can_see_support():
        return {"support_nav": None}
    return {"support_nav": {"new": support_pipeline.new_count(g.publication)}}
