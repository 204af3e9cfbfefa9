"""The platform-wide suppression list: addresses no publication on Tend mails.

Complaints land here (a reader who marked one newsletter as spam is not mailed by any
tenant), and so do role addresses that should never be on a newsletter list: an entry
ending in "@" (`abuse@`, `postmaster@`, seeded by migration 0023) matches that local part
on every domain. Every send's fan-out leaves these readers out (`excluded_from_sends`).
The list belongs to the operators, who read, add and lift entries from /ops; it crosses
tenants on purpose, so every read and write here says so (cross_tenant()).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from saas.core.extensions import db
from saas.core.tenancy import cross_tenant
from saas.delivery.bounce_models import PlatformSuppression

COMPLAINT = "complaint"
ROLE = "role"
OPERATOR = "operator"
REASONS = (COMPLAINT, ROLE, OPERATOR)
ROLE_LOCAL_PARTS = ("abuse@", "postmaster@", "hostmaster@", "noc@", "security@")


def _local_with_at(address: str) -> str:
    return address.rpartition("@")[0] + "@"


def entry_for(address: str) -> PlatformSuppression | None:
    """The entry that keeps this address from being mailed, if any."""
    address = (address or "").strip().lower()
    with cross_tenant():
        return db.session.scalar(
            select(PlatformSuppression)
            .where(PlatformSuppression.address.in_([address, _local_with_at(address)]))
            .order_by(PlatformSuppression.id)
            .limit(1)
        )


def add(address: str, reason: str, note: str = "") -> PlatformSuppression:
    """Put an address (or `local@`) on the list; already there: unchanged. The caller commits."""
    address = address.strip().lower()
    with cross_tenant():
        found = db.session.scalar(
            select(PlatformSuppression).where(PlatformSuppression.address == address)
        )
        if found is not None:
            return found
        row = PlatformSuppression(address=address, reason=reason, note=note[:300])
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # added a moment ago by another process
            return db.session.scalar(
                select(PlatformSuppression).where(PlatformSuppression.address == address)
            )
        return row


def remove(entry_id: int) -> PlatformSuppression | None:
    """Lift one entry (the caller commits); None if there is no such entry."""
    with cross_tenant():
        row = db.session.get(PlatformSuppression, entry_id)
        if row is not None:
            db.session.delete(row)
        return row


def listing(limit: int = 500) -> list[PlatformSuppression]:
    """The newest entries first."""
    with cross_tenant():
        return list(
            db.session.scalars(
                select(PlatformSuppression).order_by(PlatformSuppression.id.desc()).limit(limit)
            )
        )


def excluded_from_sends(email: ColumnElement, email_domain: ColumnElement) -> ColumnElement:
    """A WHERE clause: true for readers whose address is not on the list."""
    local = func.substr(email, 1, func.length(email) - func.length(email_domain))
    return ~exists().where(
        or_(PlatformSuppression.address == email, PlatformSuppression.address == local)
    )
