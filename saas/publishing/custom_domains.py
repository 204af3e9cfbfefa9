"""Custom domains: claiming one (pending), proving control by DNS TXT record, verifying it.

A practitioner who sets a domain gets a random token; the domain stays *pending*, neither
served by the tenancy middleware nor used in links, until a TXT record
``_tend-verify.<domain>`` with the value ``tend-verify=<token>`` is found in DNS. Any number
of publications may claim a domain while it is pending; the first to verify it holds it (a
partial unique index guarantees one verified holder), and the others' claims show as taken.
Verification is checked when the practitioner asks; once verified, a domain is re-checked
daily (saas.publishing.custom_domain_checks) and stops being served after a grace period if
its DNS moved away.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.core import dns_lookup
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.publishing.models import Publication

RECORD_PREFIX = "_tend-verify"
VALUE_PREFIX = "tend-verify="
NOT_FOUND_YET = (
    "We could not find the TXT record yet; DNS changes can take up to an hour. "
    "Check that it is set exactly as shown, then try again."
)


class DomainTaken(ValueError):
    """Another publication already holds this custom domain, verified."""


class VerificationFailed(ValueError):
    """The DNS check did not prove control of the domain; the message says why, for people."""


@dataclass(frozen=True)
class DnsRecord:
    """One DNS record the practitioner creates at their DNS provider."""

    type: str
    name: str
    value: str


def platform_host() -> str:
    """The host name custom domains point at (a CNAME target), from BASE_URL."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or ""


def record_name(domain: str) -> str:
    """Where the verification TXT record lives for `domain`."""
    return f"{RECORD_PREFIX}.{domain}"


def record_value(publication: Publication) -> str:
    """The TXT record value that proves `publication` controls its domain."""
    return f"{VALUE_PREFIX}{publication.custom_domain_token or ''}"


def dns_records(publication: Publication) -> list[DnsRecord]:
    """The records to create for the publication's custom domain (none without one)."""
    domain = publication.custom_domain
    if not domain:
        return []
    return [
        DnsRecord("TXT", record_name(domain), record_value(publication)),
        DnsRecord("CNAME", domain, platform_host()),
    ]


def verified_holder(domain: str, exclude_id: int | None = None) -> int | None:
    """Id of the publication holding `domain` verified (other than `exclude_id`), if any."""
    query = select(Publication.id).where(
        Publication.custom_domain == domain, Publication.custom_domain_verified_at.is_not(None)
    )
    if exclude_id is not None:
        query = query.where(Publication.id != exclude_id)
    return db.session.scalar(query)


def is_taken_elsewhere(publication: Publication) -> bool:
    """Whether the publication's pending domain has been verified by another publication."""
    if not publication.custom_domain or publication.custom_domain_verified_at is not None:
        return False
    return verified_holder(publication.custom_domain, exclude_id=publication.id) is not None


def claim(publication: Publication, domain: str | None) -> None:
    """Point the publication at `domain` (unsaved): pending with a fresh token if it changed.

    Keeping the same domain keeps its verification; clearing it clears everything. The
    caller commits. Raises DomainTaken when another publication holds the domain verified.
    """
    domain = domain or None
    if domain == publication.custom_domain:
        return
    if domain is not None and verified_holder(domain, exclude_id=publication.id) is not None:
        raise DomainTaken(domain)
    publication.custom_domain = domain
    publication.custom_domain_token = secrets.token_hex(16) if domain else None
    publication.custom_domain_verified_at = None


def forget_cached_lookups() -> None:
    """Drop this process's cached host lookups (other web processes within 30 s)."""
    domains = current_app.extensions.get("custom_domains")
    if domains is not None:
        domains.forget()


def txt_values(name: str) -> list[str]:
    """The TXT record values published at `name` (chunks joined); VerificationFailed if none."""
    try:
        return dns_lookup.txt(name)
    except dns_lookup.NotFound:
        raise VerificationFailed(NOT_FOUND_YET) from None
    except dns_lookup.TimedOut:
        raise VerificationFailed("The DNS lookup timed out. " + NOT_FOUND_YET) from None
    except dns_lookup.LookupFailed:
        raise VerificationFailed(
            "We could not ask DNS about your domain just now. Try again in a few minutes."
        ) from None


def verify(publication: Publication) -> Publication:
    """Look up the TXT record and mark the domain verified when it carries the token.

    Raises VerificationFailed (nothing found, wrong value, DNS trouble) or DomainTaken
    (another publication verified it first). Verifying an already verified domain is a no-op.
    """
    domain = publication.custom_domain
    if not domain:
        raise VerificationFailed("Set a custom domain first.")
    if publication.custom_domain_verified_at is not None:
        return publication
    if verified_holder(domain, exclude_id=publication.id) is not None:
        raise DomainTaken(domain)
    values = txt_values(record_name(domain))
    expected = record_value(publication)
    if expected not in values:
        raise VerificationFailed(
            f"We found a TXT record at {record_name(domain)}, but not the value {expected}. "
            "Correct it at your DNS provider, then check again; DNS changes can take up to "
            "an hour."
        )
    publication.custom_domain_verified_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError as exc:
        # Another publication verified the same domain between our check and this commit.
        db.session.rollback()
        raise DomainTaken(domain) from exc
    forget_cached_lookups()
    return publication
