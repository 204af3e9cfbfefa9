"""Replies routes: the practitioner's inbox, and the reply section of issue pages.

Each blueprint nests into a parent that owns tenancy (saas.publishing.dashboard_parent:
membership check, binds the publication; saas.publishing.public_parent: slug or custom
domain), so no route here resolves a publication by itself.
"""

from __future__ import annotations

from flask import Blueprint

from saas.publishing.dashboard_parent import bp as dashboard_parent
from saas.publishing.public_parent import bp as public_parent

dashboard_bp = Blueprint("replies", __name__)
dashboard_parent.register_blueprint(dashboard_bp)

public_bp = Blueprint("replies", __name__)
public_parent.register_blueprint(public_bp)
