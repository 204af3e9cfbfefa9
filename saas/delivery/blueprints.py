"""Delivery routes: test sends, sending an issue to the list, watching it go.

Dashboard and public blueprints nest into publishing's tenancy parents, so no route here
resolves a publication by itself.
"""

from __future__ import annotations

from saas.publishing import dashboard_parent

dashboard_bp = dashboard_parent.nest("delivery", __name__)
