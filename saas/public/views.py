"""Public routes, gathered onto one blueprint."""

from saas.public import archive, readers  # noqa: F401  (registers routes)
from saas.public.blueprint import bp

__all__ = ["bp"]
