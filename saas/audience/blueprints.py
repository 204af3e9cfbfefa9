"""Audience routes: the list, imports and growth; readers joining, leaving, signing in.

Dashboard and public blueprints nest into publishing's tenancy parents, so no route here
resolves a publication by itself.
"""

from __future__ import annotations

from saas.publishing import dashboard_parent, public_parent

dashboard_bp = dashboard_parent.nest("audience", __name__)
public_bp = public_parent.nest("audience", __name__)
