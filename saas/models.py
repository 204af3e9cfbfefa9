"""All models, imported here so Alembic and the app see one complete metadata."""

from saas.accounts.models import User
from saas.api.models import ApiKey
from saas.audience.models import (
    ReaderSignIn,
    Subscriber,
    SubscriberCount,
    SubscriberEvent,
    SubscriberImport,
    SubscriberTag,
    Tag,
)
from saas.billing.models import (
    ConnectedAccount,
    PaidTier,
    PlanSubscription,
    ReaderSubscription,
    StripeEvent,
    SubscriberHold,
)
from saas.core.model_base import TenantScoped, utcnow
from saas.core.outbox import ParkedJob
from saas.delivery.bounce_models import BounceEvent, PlatformSuppression, SendingHold
from saas.delivery.models import Delivery, DkimKey, Send, SendingDomain
from saas.insights.models import DailyGrowth, IssueDaily
from saas.ops.models import OpsAuditEntry
from saas.publishing.back_issues.models import BackIssueImport, BackIssueLink
from saas.publishing.images.models import Image
from saas.publishing.models import Invitation, Issue, Membership, Publication
from saas.publishing.offerings.models import Offering
from saas.replies.models import Reply, ReplyStanding
from saas.support.models import SupportEvent, SupportForm, SupportRequest
from saas.webhooks.models import BookingLink, BookingReceipt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "BackIssueImport",
    "BackIssueLink",
    "BookingLink",
    "BounceEvent",
    "BookingReceipt",
    "ConnectedAccount",
    "DailyGrowth",
    "Delivery",
    "DkimKey",
    "Image",
    "Offering",
    "Invitation",
    "Issue",
    "IssueDaily",
    "Membership",
    "OpsAuditEntry",
    "PaidTier",
    "ParkedJob",
    "PlanSubscription",
    "PlatformSuppression",
    "Publication",
    "ReaderSignIn",
    "ReaderSubscription",
    "Reply",
    "ReplyStanding",
    "Send",
    "SendingDomain",
    "SendingHold",
    "StripeEvent",
    "Subscriber",
    "SubscriberCount",
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
    "WebhookDelivery",
    "WebhookEndpoint",
    "utcnow",
]
