"""Who may edit a publication: its members, invitations by email, accepting and removing."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from saas.accounts.models import User
from saas.accounts.users import normalize_email
from saas.core.extensions import db
from saas.core.links import external_url
from saas.core.model_base import utcnow
from saas.core.tokens import InvalidToken, make_token, read_token
from saas.mail.compose import compose
from saas.mail.mailer import queue_email
from saas.publishing.models import ROLE_EDITOR, ROLE_OWNER, Invitation, Membership, Publication

INVITE_PURPOSE = "editor-invite"


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


def owners_of(publication: Publication) -> list[User]:
    """The publication's owners (who hear about its domains, plan and the like)."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.publication_id == publication.id, Membership.role == ROLE_OWNER)
            .order_by(User.id)
        )
    )


def mail_owners(publication: Publication, template: str, **context) -> None:
    """Queue `email/<template>` to each owner (with `name` and `publication` in its context)."""
    for owner in owners_of(publication):
        queue_email(
            compose(
                template,
                to=owner.email,
                to_name=owner.name,
                name=owner.name,
                publication=publication,
                **context,
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
            accept_url=external_url("invitations.accept_invitation", token=token),
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
