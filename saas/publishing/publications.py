"""Creating and configuring publications, and managing who may edit them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from saas.accounts.models import User
from saas.accounts.users import normalize_email
from saas.billing import limits as billing_limits
from saas.core.extensions import db
from saas.core.links import external_url
from saas.core.model_base import utcnow
from saas.core.tokens import InvalidToken, make_token, read_token
from saas.mail.compose import compose
from saas.mail.mailer import queue_email
from saas.publishing import custom_domains
from saas.publishing.models import ROLE_EDITOR, ROLE_OWNER, Invitation, Membership, Publication

INVITE_PURPOSE = "editor-invite"
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


def domain_available(domain: str, exclude_id: int | None = None) -> bool:
    """Whether a custom domain may be claimed: no platform host, not verified elsewhere."""
    if domain in current_app.config["PLATFORM_HOSTS"]:
        return False
    return custom_domains.verified_holder(domain, exclude_id=exclude_id) is None


def create_publication(owner: User, slug: str, **settings: str) -> Publication:
    """Create a publication with `owner` as its owner."""
    if not slug_available(slug):
        raise SlugTaken(slug)
    domain = settings.pop("custom_domain", None)
    if domain and not domain_available(domain):
        raise DomainTaken(domain)
    billing_limits.check_new_publication(owner.id, domain)
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
    billing_limits.check_custom_domain(publication, custom_domain)
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


def members_of(publication: Publication) -> list[Membership]:
    """Everyone with a role in the publication, owners first."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(User)
            .where(Membership.publication_id == publication.id)
            .order_by(Membership.role.desc(), User.name)
        )
    )


def pending_invitations(publication: Publication) -> list[Invitation]:
    """Invitations not yet accepted."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.publication_id == publication.id, Invitation.accepted_at.is_(None))
            .order_by(Invitation.created_at)
        )
    )


def invite_editor(publication: Publication, inviter: User, email: str) -> Invitation:
    """Invite an address to edit the publication and mail them a link (re-inviting re-sends)."""
    email = normalize_email(email)
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.publication_id == publication.id, Invitation.email == email
        )
    )
    if invitation is None:
        invitation = Invitation(
            publication_id=publication.id, email=email, role=ROLE_EDITOR, invited_by_id=inviter.id
        )
        db.session.add(invitation)
    invitation.accepted_at = None
    db.session.commit()
    token = make_token(INVITE_PURPOSE, {"iid": invitation.id, "email": email})
    queue_email(
        compose(
            "editor_invite",
            to=email,
            publication=publication,
            inviter_name=inviter.name,
            accept_url=external_url("auth.accept_invitation", token=token),
        )
    )
    return invitation


def invitation_from_token(token: str) -> Invitation:
    """The open invitation a link names."""
    payload = read_token(INVITE_PURPOSE, token, current_app.config["INVITE_MAX_AGE"])
    if not isinstance(payload, dict):
        raise InvalidToken("malformed")
    invitation = db.session.get(Invitation, int(payload.get("iid", 0)))
    if invitation is None or invitation.email != payload.get("email"):
        raise InvalidToken("unknown invitation")
    if invitation.accepted_at is not None:
        raise InvalidToken("already accepted")
    return invitation


def accept_invitation(token: str, user: User) -> Publication:
    """Join the publication an invitation names; the signed-in address must match it."""
    invitation = invitation_from_token(token)
    if normalize_email(user.email) != invitation.email:
        raise InvalidToken("invitation is for another address")
    exists = db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.user_id == user.id, Membership.publication_id == invitation.publication_id
        )
    )
    if not exists:
        db.session.add(
            Membership(
                user_id=user.id, publication_id=invitation.publication_id, role=invitation.role
            )
        )
    invitation.accepted_at = utcnow()
    db.session.commit()
    return invitation.publication


def remove_member(publication: Publication, membership_id: int) -> bool:
    """Remove an editor; owners cannot be removed this way."""
    membership = db.session.get(Membership, membership_id)
    if (
        membership is None
        or membership.publication_id != publication.id
        or membership.role == ROLE_OWNER
    ):
        return False
    db.session.delete(membership)
    db.session.commit()
    return True


def revoke_invitation(publication: Publication, invitation_id: int) -> bool:
    """Withdraw an invitation that has not been accepted."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.publication_id != publication.id:
        return False
    db.session.delete(invitation)
    db.session.commit()
    return True
