"""Dashboard routes, gathered onto one blueprint."""

from saas.billing import tier_views  # noqa: F401  (paid tiers: dashboard routes)
from saas.dashboard import (  # noqa: F401  (registers routes)
    grow,
    home,
    imports,
    inbox,
    inbox_actions,
    issues,
    sends,
    settings,
    subscribers,
    support_board,
    support_detail,
    support_settings,
    support_stats,
)
from saas.dashboard.blueprint import bp

__all__ = ["bp"]
