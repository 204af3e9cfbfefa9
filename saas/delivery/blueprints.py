"""Delivery routes: test sends, sending an issue to the list and watching it go.

Each blueprint nests into a parent that owns tenancy (saas.publishing.dashboard_parent:
membership check, binds the publication; saas.publishing.public_parent: slug or custom
domain), so no route here resolves a publication by itself.
"""

from __future__ import annotations

from flask import Blueprint

from saas.publishing.dashboard_parent import bp as dashboard_parent

dashboard_bp = Blueprint("delivery", __name__)
dashboard_parent.register_blueprint(dashboard_bp)
