"""Operator views across every tenant, and operator actions, each one written to the audit log.

Everything here crosses tenants on purpose (saas.core.tenancy.cross_tenant), reads only counts and
account metadata, and never support requests or private replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, select

from saas.accounts.models import User
from saas.audience import status_counts
from saas.audience.models import ACTIVE, COMPLAINED
from saas.billing.plans import publication_standing
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import cross_tenant
from saas.delivery import bounce_rates, sending_holds, suppression
from saas.delivery.bounce_models import PlatformSuppression, SendingHold
from saas.delivery.models import BOUNCED, FAILED, SENT, Delivery
from saas.ops.models import OpsAuditEntry
from saas.publishing.models import ROLE_OWNER, Membership, Publication

COMPLAINT_FLAG_RATE = 0.001  # 0.1 %, the threshold mailbox providers act on


@dataclass(frozen=True)
class TenantHealth:
    """One publication's vital signs for the operator."""

    publication: Publication
    owner_email: str
    plan: str
    active_subscribers: int
    sent_24h: int
    failed_24h: int
    bounced_24h: int
    complaints_30d: int
    sent_30d: int
    rates: bounce_rates.Rates = bounce_rates.Rates()
    hold: SendingHold | None = None

    def _rate(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def failure_rate(self) -> float:
        return self._rate(self.failed_24h, self.sent_24h + self.failed_24h + self.bounced_24h)

    @property
    def bounce_rate(self) -> float:
        return self._rate(self.bounced_24h, self.sent_24h + self.failed_24h + self.bounced_24h)

    @property
    def complaint_rate(self) -> float:
        """Complaints (feedback-loop reports) per message that reached a server, 30 days."""
        return self.rates.complaint_rate

    @property
    def complaint_flag(self) -> bool:
        return self.rates.warning


def record(operator: User, action: str, target: str = "", detail: str = "") -> None:
    """Write one audit entry (committed by the caller's service function)."""
    db.session.add(
        OpsAuditEntry(
            operator_id=operator.id,
            operator_email=operator.email,
            action=action,
            target=target[:200],
            detail=detail[:2000],
        )
    )


def tenant_overview(operator: User) -> list[TenantHealth]:
    """Every publication with its counts; one grouped query per measure."""
    now = utcnow()
    day_ago, month_ago = now - timedelta(days=1), now - timedelta(days=30)
    with cross_tenant():
        publications = list(db.session.scalars(select(Publication).order_by(Publication.name)))
        owners = dict(
            db.session.execute(
                select(Membership.publication_id, func.min(User.email))
                .join(User, User.id == Membership.user_id)
                .where(Membership.role == ROLE_OWNER)
                .group_by(Membership.publication_id)
            ).all()
        )
        readers = status_counts.by_publication()
        day = db.session.execute(
            select(
                Delivery.publication_id,
                func.sum(case((Delivery.status == SENT, 1), else_=0)),
                func.sum(case((Delivery.status == FAILED, 1), else_=0)),
                func.sum(case((Delivery.status == BOUNCED, 1), else_=0)),
            )
            .where(Delivery.updated_at >= day_ago)
            .group_by(Delivery.publication_id)
        ).all()
        month = dict(
            db.session.execute(
                select(Delivery.publication_id, func.count())
                .where(Delivery.status == SENT, Delivery.sent_at >= month_ago)
                .group_by(Delivery.publication_id)
            ).all()
        )
    subs = {pid: (counts[ACTIVE], counts[COMPLAINED]) for pid, counts in readers.items()}
    rates = bounce_rates.every_publication()
    holds = sending_holds.held_publications()
    days = {pid: (int(s or 0), int(f or 0), int(b or 0)) for pid, s, f, b in day}
    return [
        TenantHealth(
            publication=pub,
            owner_email=owners.get(pub.id, ""),
            plan=publication_standing(pub).plan.name,
            active_subscribers=subs.get(pub.id, (0, 0))[0],
            complaints_30d=subs.get(pub.id, (0, 0))[1],
            sent_24h=days.get(pub.id, (0, 0, 0))[0],
            failed_24h=days.get(pub.id, (0, 0, 0))[1],
            bounced_24h=days.get(pub.id, (0, 0, 0))[2],
            sent_30d=int(month.get(pub.id, 0)),
            rates=rates.get(pub.id, bounce_rates.Rates()),
            hold=holds.get(pub.id),
        )
        for pub in publications
    ]


def suspend(operator: User, publication_id: int, reason: str) -> Publication | None:
    """Take a publication offline: public pages, forms and sends stop; its owner sees why."""
    publication = db.session.get(Publication, publication_id)
    if publication is None:
        return None
    publication.suspended_at = utcnow()
    publication.suspended_reason = reason.strip()[:500]
    record(operator, "suspend", f"publication {publication.id} ({publication.slug})", reason)
    db.session.commit()
    return publication


def unsuspend(operator: User, publication_id: int) -> Publication | None:
    """Bring a suspended publication back."""
    publication = db.session.get(Publication, publication_id)
    if publication is None:
        return None
    publication.suspended_at = None
    publication.suspended_reason = ""
    record(operator, "unsuspend", f"publication {publication.id} ({publication.slug})")
    db.session.commit()
    return publication


def lift_hold(operator: User, publication_id: int) -> SendingHold | None:
    """Let a publication whose complaints paused its sends send again (its owner resumes)."""
    publication = db.session.get(Publication, publication_id)
    if publication is None:
        return None
    hold = sending_holds.lift(publication.id, operator.email)
    if hold is None:
        return None
    target = f"publication {publication.id} ({publication.slug})"
    record(operator, "lift sending hold", target, hold.reason)
    db.session.commit()
    return hold


def suppress_address(operator: User, address: str, note: str) -> PlatformSuppression:
    """Put an address (or `local@` for a role on every domain) on the platform-wide list."""
    entry = suppression.add(address, suppression.OPERATOR, note)
    record(operator, "suppress address", entry.address, note)
    db.session.commit()
    return entry


def lift_suppression(operator: User, entry_id: int) -> PlatformSuppression | None:
    """Take an entry off the platform-wide list."""
    entry = suppression.remove(entry_id)
    if entry is None:
        return None
    record(operator, "lift suppression", entry.address, entry.reason)
    db.session.commit()
    return entry


def audit_log(limit: int = 200) -> list[OpsAuditEntry]:
    """Newest operator actions first."""
    return list(
        db.session.scalars(
            select(OpsAuditEntry).order_by(OpsAuditEntry.created_at.desc()).limit(limit)
        )
    )


def set_operator(email: str, granted: bool) -> User | None:
    """Grant or revoke the operator role (from the command line)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        return None
    user.is_operator = granted
    db.session.add(
        OpsAuditEntry(
            operator_id=None,
            operator_email="command line",
            action="grant operator" if granted else "revoke operator",
            target=user.email,
        )
    )
    db.session.commit()
    return user
