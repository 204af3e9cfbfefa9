"""The API's blueprints: one per resource under the key-bound parent, and the key settings.

No route here resolves a publication by itself: API routes nest into saas.api.parent (the
key names the tenant), the settings page into publishing's dashboard parent.
"""

from __future__ import annotations

from saas.api import parent
from saas.publishing import dashboard_parent

docs_bp = parent.nest("docs", __name__)
subscribers_bp = parent.nest("subscribers", __name__)
issues_bp = parent.nest("issues", __name__)
sends_bp = parent.nest("sends", __name__)
replies_bp = parent.nest("replies", __name__)
support_bp = parent.nest("support", __name__)
stats_bp = parent.nest("stats", __name__)

# Not "api": the limiter matches blueprint names part by part, and the API's limit is "api"'s.
keys_bp = dashboard_parent.nest("api_keys", __name__)
