"""Dashboard routes, gathered onto one blueprint."""

from saas.audience import grow_views as grow  # noqa: F401  (registers routes)
from saas.audience import import_views as imports  # noqa: F401  (registers routes)
from saas.audience import subscriber_views as subscribers  # noqa: F401  (registers routes)
from saas.billing import tier_views  # noqa: F401  (paid tiers: dashboard routes)
from saas.delivery import send_views as sends  # noqa: F401  (registers routes)
from saas.publishing import home_views as home  # noqa: F401  (registers routes)
from saas.publishing import issue_views as issues  # noqa: F401  (registers routes)
from saas.publishing import settings_views as settings  # noqa: F401  (registers routes)
from saas.publishing.dashboard_parent import bp
from saas.replies import inbox_actions  # noqa: F401  (registers routes)
from saas.replies import inbox_views as inbox  # noqa: F401  (registers routes)
from saas.support import board_views as support_board  # noqa: F401  (registers routes)
from saas.support import detail_views as support_detail  # noqa: F401  (registers routes)
from saas.support import settings_views as support_settings  # noqa: F401  (registers routes)
from saas.support import stats_views as support_stats  # noqa: F401  (registers routes)

__all__ = ["bp"]
