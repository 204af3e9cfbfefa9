"""Billing routes under `/billing`, gathered onto one blueprint."""

from saas.billing import plan_views, webhook  # noqa: F401  (registers routes)
from saas.billing.blueprint import bp

__all__ = ["bp"]
