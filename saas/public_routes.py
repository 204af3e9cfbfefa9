"""Public routes, gathered onto one blueprint."""

from saas.audience import reader_signin_views as reader_signin  # noqa: F401  (registers routes)
from saas.audience import reader_views as readers  # noqa: F401  (registers routes)
from saas.billing import reader_views  # noqa: F401  (readers paying: public routes)
from saas.publishing import archive_views as archive  # noqa: F401  (registers routes)
from saas.publishing.public_parent import bp
from saas.replies import public_views as replies  # noqa: F401  (registers routes)
from saas.support import public_views as support  # noqa: F401  (registers routes)

__all__ = ["bp"]
