"""All models, imported here so Alembic and the app see one complete metadata."""

from saas.models.accounts import User
from saas.models.base import TenantScoped, utcnow
from saas.models.deliveries import Delivery, Send
from saas.models.imports import SubscriberImport
from saas.models.issues import Issue
from saas.models.publications import Invitation, Membership, Publication
from saas.models.subscribers import Subscriber, SubscriberEvent, SubscriberTag, Tag

__all__ = [
    "Delivery",
    "Invitation",
    "Issue",
    "Membership",
    "Publication",
    "Send",
    "Subscriber",
    "SubscriberEvent",
    "SubscriberImport",
    "SubscriberTag",
    "Tag",
    "TenantScoped",
    "User",
    "utcnow",
]
