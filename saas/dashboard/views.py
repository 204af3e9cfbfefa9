"""Dashboard routes, gathered onto one blueprint."""

from saas.dashboard import home, issues, settings  # noqa: F401  (registers routes)
from saas.dashboard.blueprint import bp

__all__ = ["bp"]
