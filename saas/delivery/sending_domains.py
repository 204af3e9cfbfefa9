"""A publication's own sending domain: setting it up, checking its DNS, rotating its key.

The practitioner gives a From address on their domain; Tend makes a DKIM key pair for it
(the private half encrypted with the support keys) and shows the records to create
(saas.delivery.domain_checks). Issues go out from that address, signed by that domain, only
while its DKIM record checks out and the owner's plan includes sending domains; otherwise
from the platform's address (`sender_for` answers None). The return-path CNAME, once it
checks out, puts the envelope sender on the domain too, so SPF aligns.

Every check, whether the practitioner asked for it or the daily round ran it, goes through
`apply_checks`: a verified domain whose DKIM record broke is paused (its owner is told), and
verified again once the record is back. A rotation makes a second key under a new selector;
the domain switches to it as soon as a check sees it published, and the old one's record
stays listed (to leave in DNS for mail in transit) for DKIM_RETIRE_DAYS.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from saas.billing import limits as billing_limits
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.queue import schedule_next_run
from saas.core.tenancy import bound_to, cross_tenant
from saas.delivery import domain_checks, domain_notices
from saas.delivery.domain_checks import DKIM, OK, RETURN_PATH, UNKNOWN, Check
from saas.delivery.models import (
    DOMAIN_PAUSED,
    DOMAIN_VERIFIED,
    KEY_ACTIVE,
    KEY_NEXT,
    KEY_RETIRING,
    DkimKey,
    SendingDomain,
)
from saas.mail import dkim
from saas.mail.senders import Sender, platform_address, platform_domain
from saas.publishing.models import Publication

_KEY_ORDER = {KEY_ACTIVE: 0, KEY_NEXT: 1, KEY_RETIRING: 2}
RECHECK_JOB = "worker.jobs.recheck_domains"
RECHECK_JOB_ID_PREFIX = "tend-domain-recheck-"


class SendingDomainError(ValueError):
    """The change cannot be made; the message says why, for the practitioner."""


def get(publication: Publication) -> SendingDomain | None:
    """The publication's sending domain, if it set one up."""
    return db.session.scalar(select(SendingDomain))


def keys(domain: SendingDomain) -> list[DkimKey]:
    """The domain's keys: the active one first, then the next (a rotation), then retiring."""
    rows = db.session.scalars(select(DkimKey).where(DkimKey.sending_domain_id == domain.id))
    return sorted(rows, key=lambda key: (_KEY_ORDER.get(key.state, 9), key.id))


def _key(domain: SendingDomain, state: str) -> DkimKey | None:
    return next((key for key in keys(domain) if key.state == state), None)


def _new_key(domain: SendingDomain, state: str) -> DkimKey:
    pair = dkim.generate_key()
    key = DkimKey(
        publication_id=domain.publication_id,
        sending_domain_id=domain.id,
        selector=dkim.new_selector(),
        public_key=pair.public_key,
        private_key=pair.private_pem,
        state=state,
        activated_at=utcnow() if state == KEY_ACTIVE else None,
    )
    db.session.add(key)
    return key


def _refuse_platform_domains(domain: str) -> None:
    config = current_app.config
    platform = {platform_domain(), config.get("DKIM_DOMAIN") or "", *config["PLATFORM_HOSTS"]}
    platform.add(domain_checks.return_path_host())
    if domain in platform or any(domain.endswith("." + host) for host in platform if host):
        raise SendingDomainError("That is Tend's own domain. Use an address on your domain.")


def set_up(publication: Publication, from_address: str) -> SendingDomain:
    """Send from `from_address` (validated, lower case): a new domain gets a new key, pending.

    Keeping the domain and changing only the address keeps its key and state. Raises
    SendingDomainError, or billing's PlanLimitReached on a plan without sending domains.
    """
    local, _, domain = from_address.rpartition("@")
    if not from_address.isascii() or not local or "." not in domain:
        raise SendingDomainError(
            "Use a plain address like letters@news.example.com (ASCII letters only)."
        )
    _refuse_platform_domains(domain)
    billing_limits.check_sending_domain(publication)
    existing = get(publication)
    if existing is not None and existing.domain == domain:
        existing.from_address = from_address
        db.session.commit()
        return existing
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    row = SendingDomain(
        publication_id=publication.id, domain=domain, from_address=from_address, checks=[]
    )
    db.session.add(row)
    db.session.flush()
    _new_key(row, KEY_ACTIVE)
    db.session.commit()
    return row


def remove(publication: Publication) -> None:
    """Go back to the platform's address; the domain's keys are deleted with it."""
    existing = get(publication)
    if existing is not None:
        db.session.delete(existing)
        db.session.commit()


def start_rotation(publication: Publication) -> DkimKey:
    """Make the next key, under a new selector, to publish before the domain switches to it."""
    domain = get(publication)
    if domain is None:
        raise SendingDomainError("Set up a sending domain first.")
    if _key(domain, KEY_NEXT) is not None:
        raise SendingDomainError("A new key is already waiting to be published.")
    key = _new_key(domain, KEY_NEXT)
    db.session.commit()
    return key


def records(domain: SendingDomain) -> list[domain_checks.Record]:
    """The records to create: a DKIM key per live key, the return path, DMARC unless found."""
    found = [
        domain_checks.dkim_record(domain.domain, key.selector, key.public_key)
        for key in keys(domain)
    ]
    found.append(domain_checks.return_path_record(domain.domain))
    if state_of(domain, domain_checks.DMARC) != OK:
        found.append(domain_checks.dmarc_record(domain.domain))
    return found


def state_of(domain: SendingDomain, kind: str, selector: str = "") -> str:
    """The last check's state for one record ("" when it was never checked)."""
    for check in domain.checks or []:
        if check.get("kind") == kind and check.get("selector", "") == selector:
            return check.get("state", "")
    return ""


def check_now(publication: Publication) -> SendingDomain:
    """Look up every record of the publication's domain now and act on what is found."""
    domain = get(publication)
    if domain is None:
        raise SendingDomainError("Set up a sending domain first.")
    run_checks(publication, domain)
    return domain


def run_checks(publication: Publication, domain: SendingDomain) -> None:
    """Check each key's record, the return path and DMARC; record and act on the answers."""
    results = [
        domain_checks.check_dkim(domain.domain, key.selector, key.public_key)
        for key in keys(domain)
    ]
    results.append(domain_checks.check_return_path(domain.domain))
    results.append(domain_checks.check_dmarc(domain.domain))
    apply_checks(publication, domain, results)


def apply_checks(publication: Publication, domain: SendingDomain, results: list[Check]) -> None:
    """Store the answers; switch to a published next key; verify, pause or resume; commit."""
    now = utcnow()
    by_selector = {check.selector: check for check in results if check.kind == DKIM}
    upcoming = _key(domain, KEY_NEXT)
    if upcoming is not None and by_selector[upcoming.selector].state == OK:
        current = _key(domain, KEY_ACTIVE)
        if current is not None:
            current.state, current.retiring_at, current.private_key = KEY_RETIRING, now, None
        upcoming.state, upcoming.activated_at = KEY_ACTIVE, now
    active = _key(domain, KEY_ACTIVE)
    verdict = by_selector[active.selector] if active is not None else None
    domain.checks = [check.as_dict() for check in results]
    domain.checked_at = now
    was = domain.status
    if verdict is not None and verdict.state == OK:
        domain.status, domain.paused_at = DOMAIN_VERIFIED, None
        domain.verified_at = domain.verified_at or now
    elif verdict is not None and verdict.state != UNKNOWN and was == DOMAIN_VERIFIED:
        domain.status, domain.paused_at = DOMAIN_PAUSED, now
    db.session.commit()
    if was == DOMAIN_VERIFIED and domain.status == DOMAIN_PAUSED:
        domain_notices.paused(publication, domain, verdict.detail)
    elif was == DOMAIN_PAUSED and domain.status == DOMAIN_VERIFIED:
        domain_notices.resumed(publication, domain)


def _drop_retired_keys(domain: SendingDomain) -> None:
    cutoff = utcnow() - timedelta(days=current_app.config["DKIM_RETIRE_DAYS"])
    db.session.execute(
        delete(DkimKey).where(
            DkimKey.sending_domain_id == domain.id,
            DkimKey.state == KEY_RETIRING,
            DkimKey.retiring_at < cutoff,
        )
    )


def recheck_all() -> int:
    """The daily round: re-check every sending domain, drop keys retired long enough."""
    with cross_tenant():
        rows = db.session.execute(select(SendingDomain.id, SendingDomain.publication_id)).all()
    for domain_id, publication_id in rows:
        with bound_to(publication_id):
            domain = db.session.get(SendingDomain, domain_id)
            if domain is None:
                continue
            _drop_retired_keys(domain)
            run_checks(db.session.get(Publication, publication_id), domain)
    return len(rows)


def schedule_next_recheck(after: timedelta = timedelta(days=1)) -> str | None:
    """Put tomorrow's re-check of every domain on RQ's scheduler (None when embedded)."""
    return schedule_next_run(RECHECK_JOB, RECHECK_JOB_ID_PREFIX, after)


def return_path_address(domain: SendingDomain) -> str:
    """The envelope sender on the practitioner's own domain (bounces come back through it)."""
    return f"{domain_checks.RETURN_PATH_LABEL}@{domain_checks.return_path_name(domain.domain)}"


def sender_for(publication: Publication) -> Sender | None:
    """The sender for the publication's issues: its own domain while it may use it, else None
    (the platform's address)."""
    domain = get(publication)
    if domain is None or domain.status != DOMAIN_VERIFIED:
        return None
    if billing_limits.sending_domain_refusal(publication) is not None:
        return None
    active = _key(domain, KEY_ACTIVE)
    if active is None or not active.private_key:
        return None
    signer = dkim.Signer(domain.domain, active.selector, active.private_key)
    aligned = state_of(domain, RETURN_PATH) == OK
    envelope = return_path_address(domain) if aligned else platform_address()
    return Sender(domain.from_address, envelope, signer)
