"""All models, imported here so Alembic and the app see one complete metadata."""

from saas.models.accounts import User
from saas.models.base import TenantScoped, utcnow
from saas.models.issues import Issue
from saas.models.publications import Invitation, Membership, Publication

__all__ = ["Invitation", "Issue", "Membership", "Publication", "TenantScoped", "User", "utcnow"]
