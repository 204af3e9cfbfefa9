"""Links and addresses put in front of readers: unsubscribe, preferences, view online, reply.

`IssueLinks` holds one issue's links for a whole send: the shared ones built once, the
per-reader ones (unsubscribe link and mailto, reply address) from one signed token each.
"""

from __future__ import annotations

from flask import current_app

from saas.audience.reader_tokens import read_ids, sign_ids
from saas.core.links import absolute_public_url, publication_base_url
from saas.publishing.models import Issue, Publication

UNSUBSCRIBE = "unsubscribe"
REPLY = "reply"
PREFERENCES = "preferences"


def unsubscribe_token(publication_id: int, subscriber_id: int, issue_id: int | None = None) -> str:
    """Token naming one reader of one publication, for one-click unsubscribe.

    In an issue's email it also names the issue, so the unsubscribe is counted against it.
    """
    if issue_id is None:
        return sign_ids(UNSUBSCRIBE, publication_id, subscriber_id)
    return sign_ids(UNSUBSCRIBE, publication_id, subscriber_id, issue_id)


def read_unsubscribe_token(token: str) -> tuple[int, int, int | None] | None:
    """(publication_id, subscriber_id, issue_id or None) from a valid token, else None."""
    ids = read_ids(UNSUBSCRIBE, token, 2)
    if ids:
        return ids[0], ids[1], None
    ids = read_ids(UNSUBSCRIBE, token, 3)
    return (ids[0], ids[1], ids[2]) if ids else None


def unsubscribe_url(publication: Publication, subscriber_id: int) -> str:
    """The https link behind List-Unsubscribe and the footer link (GET confirms, POST acts)."""
    token = unsubscribe_token(publication.id, subscriber_id)
    return absolute_public_url(publication, "public.audience.unsubscribe", token=token)


def preferences_token(publication_id: int, subscriber_id: int) -> str:
    """Token naming one reader of one publication, for their preference page."""
    return sign_ids(PREFERENCES, publication_id, subscriber_id)


def read_preferences_token(token: str) -> tuple[int, int] | None:
    """(publication_id, subscriber_id) from a valid preference token, else None."""
    ids = read_ids(PREFERENCES, token, 2)
    return (ids[0], ids[1]) if ids else None


def _mailto(token: str, domain: str) -> str:
    return f"mailto:unsubscribe+{token}@{domain}?subject=unsubscribe"


def _reply_to(issue_id: int, subscriber_id: int, domain: str) -> str:
    return f"reply+{sign_ids(REPLY, issue_id, subscriber_id)}@{domain}"


def unsubscribe_mailto(publication: Publication, subscriber_id: int) -> str:
    """The mailto: alternative in List-Unsubscribe."""
    token = unsubscribe_token(publication.id, subscriber_id)
    return _mailto(token, current_app.config["INBOUND_EMAIL_DOMAIN"])


def reply_address(publication: Publication, issue_id: int, subscriber_id: int) -> str:
    """Reply-To for an issue email: routes the reader's answer back into the product."""
    return _reply_to(issue_id, subscriber_id, current_app.config["INBOUND_EMAIL_DOMAIN"])


def read_reply_address(local_part: str) -> tuple[int, int] | None:
    """(issue_id, subscriber_id) from a reply address's local part, else None."""
    prefix = "reply+"
    if not local_part.lower().startswith(prefix):
        return None
    ids = read_ids(REPLY, local_part[len(prefix) :], 2)
    return (ids[0], ids[1]) if ids else None


def view_online_url(publication: Publication, issue: Issue) -> str:
    """The issue's page in the public archive."""
    return absolute_public_url(publication, "public.publishing.issue", issue_slug=issue.slug)


_TOKEN_SLOT = "tendtokenslot"  # noqa: S105  (a placeholder, not a secret)


class IssueLinks:
    """One issue's links for the newsletter: built once per batch, signed per reader."""

    def __init__(self, publication: Publication, issue: Issue) -> None:
        self.publication_id, self.issue_id = publication.id, issue.id
        self.view_online_url = view_online_url(publication, issue)
        self.archive_url = publication_base_url(publication)
        url = absolute_public_url(publication, "public.audience.unsubscribe", token=_TOKEN_SLOT)
        self._url_head, _, self._url_tail = url.partition(_TOKEN_SLOT)
        url = absolute_public_url(publication, "public.audience.preferences", token=_TOKEN_SLOT)
        self._prefs_head, _, self._prefs_tail = url.partition(_TOKEN_SLOT)
        self._domain = current_app.config["INBOUND_EMAIL_DOMAIN"]

    def unsubscribe(self, subscriber_id: int) -> tuple[str, str]:
        """The reader's one-click unsubscribe link and its mailto: alternative."""
        token = unsubscribe_token(self.publication_id, subscriber_id, self.issue_id)
        return f"{self._url_head}{token}{self._url_tail}", _mailto(token, self._domain)

    def reply_to(self, subscriber_id: int) -> str:
        """The reader's Reply-To address for this issue."""
        return _reply_to(self.issue_id, subscriber_id, self._domain)

    def preferences(self, subscriber_id: int) -> str:
        """The reader's preference page (topics, or unsubscribing from everything)."""
        token = preferences_token(self.publication_id, subscriber_id)
        return f"{self._prefs_head}{token}{self._prefs_tail}"
