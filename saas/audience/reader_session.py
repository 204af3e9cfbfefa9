"""The signed-in reader: a session identity of its own, apart from practitioners' Flask-Login.

The Flask session keeps `{publication id: subscriber id}` under READERS_KEY, so a reader
signed in to one publication is nobody to another. Reading it never writes the session
(it only adds `Vary: Cookie`): an anonymous reader's page sets no cookie and stays cacheable
(saas/core/page_cache.py).
"""

from __future__ import annotations

from flask import g, request, session

from saas.audience.models import Subscriber
from saas.audience.reader_auth import active_reader
from saas.publishing.models import Publication

READERS_KEY = "tend_readers"
NOTICE_KEY = "tend_reply_notice"
DRAFT_KEY = "tend_reply_draft"


def _readers() -> dict[str, int]:
    value = session.get(READERS_KEY)
    return dict(value) if isinstance(value, dict) else {}


def sign_in(publication: Publication, subscriber_id: int) -> None:
    """Remember the reader for this publication (for the session's lifetime, ~a month)."""
    readers = _readers()
    readers[str(publication.id)] = subscriber_id
    session[READERS_KEY] = readers
    session.permanent = True
    g.pop("reader", None)


def sign_out(publication: Publication) -> None:
    """Forget the reader of this publication; other publications keep theirs."""
    readers = _readers()
    if readers.pop(str(publication.id), None) is not None:
        session[READERS_KEY] = readers
    g.pop("reader", None)


def reader_id(publication: Publication) -> int | None:
    """The signed-in reader's subscriber id for this publication, unverified."""
    return reader_id_for(publication.id)


def reader_id_for(publication_id: int) -> int | None:
    """`reader_id` by the publication's id."""
    value = _readers().get(str(publication_id))
    return value if isinstance(value, int) else None


def current_reader(publication: Publication) -> Subscriber | None:
    """The signed-in reader while they are still an active subscriber (once per request)."""
    if "reader" not in g:
        g.reader = active_reader(publication, reader_id(publication))
    return g.reader


def rate_limit_key() -> str:
    """Flask-Limiter key: the signed-in reader where there is one, else the address."""
    publication = g.get("publication")
    subscriber_id = reader_id(publication) if publication is not None else None
    if subscriber_id:
        return f"reader:{publication.id}:{subscriber_id}"
    return f"reader-ip:{request.remote_addr or '-'}"


def set_notice(text: str) -> None:
    """A one-off message for the reply section after a redirect (not the page-top flash)."""
    session[NOTICE_KEY] = text


def pop_notice() -> str | None:
    """The pending reply-section message, once."""
    if NOTICE_KEY not in session:
        return None
    return session.pop(NOTICE_KEY)


def keep_draft(text: str) -> None:
    """Hold on to a reply that could not be posted, so the reader does not lose it."""
    session[DRAFT_KEY] = (text or "")[:5000]


def pop_draft() -> str:
    """The held reply text, once."""
    if DRAFT_KEY not in session:
        return ""
    return session.pop(DRAFT_KEY) or ""
