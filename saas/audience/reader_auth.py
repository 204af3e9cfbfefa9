"""Readers signing in to reply on the web: single-use, expiring links mailed to subscribers.

Only active subscribers get a link; everyone else gets nothing, and the caller answers every
request the same way, so the form never reveals who is subscribed. A link is an
itsdangerous token naming the publication, the reader, a random nonce and the issue to
return to. Using it stores the nonce's hash (unique), so a second use fails even when two
clicks race.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saas.audience.models import ACTIVE, ReaderSignIn, Subscriber
from saas.audience.subscribers import WrongPublication, find_by_email
from saas.core.extensions import db
from saas.core.links import absolute_public_url
from saas.core.queue import enqueue
from saas.core.tokens import InvalidToken, make_token, read_token
from saas.mail.compose import compose
from saas.mail.transport import send
from saas.publishing.models import Issue, Publication

PURPOSE = "reader-sign-in"


@dataclass(frozen=True)
class SignInLink:
    """A valid, unused link: who it signs in and which issue they came from."""

    subscriber: Subscriber
    issue_id: int | None
    nonce_hash: str


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def request_link(publication: Publication, email: str, issue: Issue | None = None) -> None:
    """Queue the sign-in mail job for any address: the job decides, so timing tells nothing."""
    enqueue(
        "worker.jobs.mail_reader_sign_in",
        publication.id,
        (email or "").strip()[:254],
        issue.id if issue is not None else None,
        queue="mail",
    )


def send_link(publication: Publication, email: str, issue: Issue | None = None) -> bool:
    """In the mail job: mail a sign-in link if `email` is an active subscriber's; True if so."""
    subscriber = find_by_email(publication, email)
    if subscriber is None or subscriber.status != ACTIVE:
        return False
    payload = {
        "p": publication.id,
        "s": subscriber.id,
        "n": secrets.token_urlsafe(18),
        "i": issue.id if issue is not None else None,
    }
    url = absolute_public_url(
        publication, "public.audience.reader_sign_in", token=make_token(PURPOSE, payload)
    )
    send(
        compose(
            "reader_sign_in",
            to=subscriber.email,
            to_name=subscriber.name,
            from_name=publication.author_name or publication.name,
            publication=publication,
            issue=issue,
            sign_in_url=url,
            minutes=max(1, current_app.config["READER_LINK_MAX_AGE"] // 60),
        )
    )
    return True


def check_link(publication: Publication, token: str) -> SignInLink:
    """The link's reader, if the token is genuine, fresh, unused and for this publication.

    Raises WrongPublication for another publication's link, InvalidToken otherwise.
    """
    payload = read_token(PURPOSE, token, current_app.config["READER_LINK_MAX_AGE"])
    if not isinstance(payload, dict) or not isinstance(payload.get("n"), str):
        raise InvalidToken("malformed")
    if payload.get("p") != publication.id:
        raise WrongPublication("not for this publication")
    nonce_hash = _hash(payload["n"])
    used = db.session.scalar(select(ReaderSignIn.id).where(ReaderSignIn.nonce == nonce_hash))
    if used is not None:
        raise InvalidToken("already used")
    subscriber = db.session.get(Subscriber, int(payload.get("s") or 0))
    if subscriber is None or subscriber.status != ACTIVE:
        raise InvalidToken("no longer a subscriber")
    issue_id = payload.get("i")
    return SignInLink(subscriber, issue_id if isinstance(issue_id, int) else None, nonce_hash)


def use_link(publication: Publication, token: str) -> SignInLink:
    """Spend the link: the reader it names is signed in, and the link never works again."""
    link = check_link(publication, token)
    db.session.add(
        ReaderSignIn(
            publication_id=publication.id,
            subscriber_id=link.subscriber.id,
            nonce=link.nonce_hash,
        )
    )
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same link, used a moment ago in another request
        db.session.rollback()
        raise InvalidToken("already used") from exc
    return link


def active_reader(publication: Publication, subscriber_id: int | None) -> Subscriber | None:
    """The signed-in reader, while they are still an active subscriber of this publication."""
    if not subscriber_id:
        return None
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.publication_id != publication.id:
        return None
    return subscriber if subscriber.status == ACTIVE else None
