"""All models, imported here so Alembic and the app see one complete metadata."""

from saas.models.accounts import User
from saas.models.base import TenantScoped, utcnow
from saas.models.billing import (
    ConnectedAccount,
    PaidTier,
    PlanSubscription,
    ReaderSubscription,
    StripeEvent,
    SubscriberHold,
)
from saas.models.deliveries import Delivery, Send
from saas.models.imports import SubscriberImport
from saas.models.issues import Issue
from saas.models.ops import OpsAuditEntry
from saas.models.publications import Invitation, Membership, Publication
from saas.models.replies import ReaderSignIn, Reply, ReplyStanding
from saas.models.subscribers import Subscriber, SubscriberEvent, SubscriberTag, Tag
from saas.models.support import SupportEvent, SupportForm, SupportRequest

__all__ = [
    "ConnectedAccount",
    "Delivery",
    "Invitation",
    "Issue",
    "Membership",
    "OpsAuditEntry",
    "PaidTier",
    "PlanSubscription",
    "Publication",
    "ReaderSignIn",
    "ReaderSubscription",
    "Reply",
    "ReplyStanding",
    "Send",
    "StripeEvent",
    "Subscriber",
    "SubscriberHold",
    "SubscriberEvent",
    "SubscriberImport",
    "SubscriberTag",
    "SupportEvent",
    "SupportForm",
    "SupportRequest",
    "Tag",
    "TenantScoped",
    "User",
    "utcnow",
]
