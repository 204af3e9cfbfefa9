"""The daily re-check of verified custom domains: does each still point at the platform?

A domain points here when its CNAME names the platform host, or (an apex domain, which
cannot have a CNAME) its addresses include one of the platform host's. One that points
elsewhere is still served for CUSTOM_DOMAIN_GRACE_DAYS, its owners told at once; after that
it is no longer served (it is pending again, as if never verified) and the owners are told
again. A lookup DNS did not answer decides nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from saas.core import dns_lookup
from saas.core.extensions import db
from saas.core.links import external_url
from saas.core.model_base import utcnow
from saas.publishing.custom_domains import forget_cached_lookups, platform_host
from saas.publishing.models import Publication
from saas.publishing.team import mail_owners


def points_here(domain: str) -> bool | None:
    """Whether `domain` reaches the platform (None: DNS did not answer, so nobody knows)."""
    host = platform_host()
    try:
        return dns_lookup.cname(domain) == host
    except dns_lookup.NotFound:
        pass  # no CNAME: an apex domain, compare addresses
    except dns_lookup.LookupFailed:
        return None
    try:
        ours = dns_lookup.addresses(host)
    except (dns_lookup.NotFound, dns_lookup.LookupFailed):
        return None  # the platform's own name does not resolve here: nothing to compare
    try:
        return bool(dns_lookup.addresses(domain) & ours)
    except dns_lookup.NotFound:
        return False  # the name is gone
    except dns_lookup.LookupFailed:
        return None


def _tell_owners(template: str, publication: Publication, **context) -> None:
    mail_owners(
        publication,
        template,
        domain=publication.custom_domain,
        platform_host=platform_host(),
        settings_url=external_url("dashboard.publishing.settings", pub_slug=publication.slug),
        **context,
    )


def recheck(publication: Publication, now: datetime | None = None) -> bool | None:
    """Re-check one verified domain, act on the answer, commit; returns the answer."""
    now = now or utcnow()
    answer = points_here(publication.custom_domain)
    if answer is None:
        return None
    publication.custom_domain_checked_at = now
    grace = timedelta(days=current_app.config["CUSTOM_DOMAIN_GRACE_DAYS"])
    if answer:
        publication.custom_domain_failing_since = None
        db.session.commit()
        return True
    since = publication.custom_domain_failing_since
    if since is None:
        publication.custom_domain_failing_since = now
        db.session.commit()
        _tell_owners("custom_domain_moved", publication, until=f"{now + grace:%-d %B %Y}")
    elif now - since >= grace:
        publication.custom_domain_verified_at = None
        publication.custom_domain_failing_since = None
        db.session.commit()
        forget_cached_lookups()
        _tell_owners("custom_domain_unserved", publication)
    else:
        db.session.commit()
    return False


def recheck_custom_domains(now: datetime | None = None) -> int:
    """The daily round over every verified custom domain; returns how many were checked."""
    ids = db.session.scalars(
        select(Publication.id).where(
            Publication.custom_domain.is_not(None),
            Publication.custom_domain_verified_at.is_not(None),
        )
    ).all()
    for publication_id in ids:
        publication = db.session.get(Publication, publication_id)
        if publication is not None and publication.custom_domain_verified:
            recheck(publication, now)
    return len(ids)
