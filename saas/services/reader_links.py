"""Links and addresses put in front of readers: unsubscribe, view online, reply."""

from __future__ import annotations

from flask import current_app

from saas.links import absolute_public_url
from saas.models.issues import Issue
from saas.models.publications import Publication
from saas.services.reader_tokens import read_ids, sign_ids

UNSUBSCRIBE = "unsubscribe"
REPLY = "reply"


def unsubscribe_token(publication_id: int, subscriber_id: int) -> str:
    """Token naming one reader of one publication, for one-click unsubscribe."""
    return sign_ids(UNSUBSCRIBE, publication_id, subscriber_id)


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """(publication_id, subscriber_id) from a valid token, else None."""
    ids = read_ids(UNSUBSCRIBE, token, 2)
    return (ids[0], ids[1]) if ids else None


def unsubscribe_url(publication: Publication, subscriber_id: int) -> str:
    """The https link behind List-Unsubscribe and the footer link (GET confirms, POST acts)."""
    token = unsubscribe_token(publication.id, subscriber_id)
    return absolute_public_url(publication, "public.unsubscribe", token=token)


def unsubscribe_mailto(publication: Publication, subscriber_id: int) -> str:
    """The mailto: alternative in List-Unsubscribe."""
    domain = current_app.config["INBOUND_EMAIL_DOMAIN"]
    token = unsubscribe_token(publication.id, subscriber_id)
    return f"mailto:unsubscribe+{token}@{domain}?subject=unsubscribe"


def reply_address(publication: Publication, issue_id: int, subscriber_id: int) -> str:
    """Reply-To for an issue email: routes the reader's answer back into the product."""
    domain = current_app.config["INBOUND_EMAIL_DOMAIN"]
    return f"reply+{sign_ids(REPLY, issue_id, subscriber_id)}@{domain}"


def read_reply_address(local_part: str) -> tuple[int, int] | None:
    """(issue_id, subscriber_id) from a reply address's local part, else None."""
    prefix = "reply+"
    if not local_part.lower().startswith(prefix):
        return None
    ids = read_ids(REPLY, local_part[len(prefix) :], 2)
    return (ids[0], ids[1]) if ids else None


def view_online_url(publication: Publication, issue: Issue) -> str:
    """The issue's page in the public archive."""
    return absolute_public_url(publication, "public.issue", issue_slug=issue.slug)
