"""Public routes, gathered onto one blueprint."""

from saas.billing import reader_views  # noqa: F401  (readers paying: public routes)
from saas.public import (  # noqa: F401  (registers routes)
    archive,
    reader_signin,
    readers,
    replies,
    support,
)
from saas.public.blueprint import bp

__all__ = ["bp"]
