"""Dashboard routes, gathered onto one blueprint."""

from saas.dashboard import (  # noqa: F401  (registers routes)
    grow,
    home,
    issues,
    settings,
    subscribers,
)
from saas.dashboard.blueprint import bp

__all__ = ["bp"]
