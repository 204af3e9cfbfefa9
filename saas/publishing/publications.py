"""Creating and configuring publications, and listing a practitioner's publications."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.accounts.models import User
from saas.core.extensions import db
from saas.publishing import custom_domains, hooks
from saas.publishing.models import ROLE_OWNER, Membership, Publication
from saas.publishing.rendering import slugify

RESERVED_SLUGS = frozenset({"new", "admin", "api", "static", "dashboard", "ops", "p", "www"})
SETTINGS_FIELDS = (
    "name",
    "tagline",
    "about",
    "author_name",
    "sign_off",
    "accent_color",
    "logo_url",
    "timezone",
    "welcome_message",
    "max_send_rate",
    "reply_mode",
    "reply_notifications",
)


SLUG_MAX = 60
# Slugs shorter than this are padded ("q" -> "q-letters"): the address validator wants two.
SLUG_MIN = 2


class SlugTaken(ValueError):
    """Another publication already uses this slug."""


# Another publication holds this custom domain, verified (pending claims never block).
DomainTaken = custom_domains.DomainTaken


def slug_available(slug: str, exclude_id: int | None = None) -> bool:
    """Whether a publication slug is free to use."""
    if slug in RESERVED_SLUGS:
        return False
    query = select(Publication.id).where(Publication.slug == slug)
    if exclude_id is not None:
        query = query.where(Publication.id != exclude_id)
    return db.session.scalar(query) is None


def slug_from_name(name: str) -> str:
    """A free publication slug made from its name: "Quiet Hours" -> "quiet-hours", then
    "quiet-hours-2", "quiet-hours-3"... when taken or reserved."""
    base = slugify(name, max_length=SLUG_MAX - 4) or "letters"
    if len(base) < SLUG_MIN:
        base = f"{base}-letters"
    taken = set(
        db.session.scalars(
            select(Publication.slug).where(
                (Publication.slug == base) | Publication.slug.like(f"{base}-%")
            )
        )
    )
    candidate, number = base, 1
    while candidate in taken or candidate in RESERVED_SLUGS:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def domain_available(domain: str, exclude_id: int | None = None) -> bool:
    """Whether a custom domain may be claimed: no platform host, not verified elsewhere."""
    if domain in current_app.config["PLATFORM_HOSTS"]:
        return False
    return custom_domains.verified_holder(domain, exclude_id=exclude_id) is None


def create_publication(owner: User, slug: str | None = None, **settings: str) -> Publication:
    """Create a publication with `owner` as its owner; without a slug, one from its name.

    Settings not given keep the model's defaults, and the author name is the owner's.
    """
    if slug is None:
        slug = slug_from_name(settings.get("name") or "")
    if not slug_available(slug):
        raise SlugTaken(slug)
    domain = settings.pop("custom_domain", None)
    if domain and not domain_available(domain):
        raise DomainTaken(domain)
    hooks.check_new_publication(owner.id, domain)
    publication = Publication(slug=slug, **{k: v for k, v in settings.items() if v is not None})
    custom_domains.claim(publication, domain)  # pending until its DNS is checked
    if not publication.author_name:
        publication.author_name = owner.name
    db.session.add(publication)
    db.session.add(Membership(user=owner, publication=publication, role=ROLE_OWNER))
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise SlugTaken(slug) from exc
    return publication


def update_settings(
    publication: Publication, custom_domain: str | None = None, **settings: str
) -> Publication:
    """Change a publication's public settings and custom domain.

    A new domain is stored pending, with a fresh verification token, and is not served until
    its DNS is checked (saas.publishing.custom_domains.verify); the same domain keeps its state.
    """
    if custom_domain and not domain_available(custom_domain, exclude_id=publication.id):
        raise DomainTaken(custom_domain)
    hooks.check_custom_domain(publication, custom_domain)
    for field in SETTINGS_FIELDS:
        if field in settings and settings[field] is not None:
            setattr(publication, field, settings[field])
    custom_domains.claim(publication, custom_domain)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise DomainTaken(custom_domain or "") from exc
    custom_domains.forget_cached_lookups()
    return publication


def publications_for(user: User) -> list[tuple[Publication, str]]:
    """The user's publications with their role, by name."""
    rows = db.session.execute(
        select(Publication, Membership.role)
        .join(Membership, Membership.publication_id == Publication.id)
        .where(Membership.user_id == user.id)
        .order_by(Publication.name)
    ).all()
    return [(pub, role) for pub, role in rows]
