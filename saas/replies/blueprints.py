"""Replies routes: the practitioner's inbox, and the reply section of issue pages.

Dashboard and public blueprints nest into publishing's tenancy parents, so no route here
resolves a publication by itself.
"""

from __future__ import annotations

from saas.publishing import dashboard_parent, public_parent

dashboard_bp = dashboard_parent.nest("replies", __name__)
public_bp = public_parent.nest("replies", __name__)
