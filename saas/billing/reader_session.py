"""Which paying reader this browser belongs to, per publication, in the signed session cookie.

Only set after proof: a signed link mailed to the reader, or their return from Checkout.
"""

from __future__ import annotations

from flask import session

from saas.models.publications import Publication

KEY = "tend_paid_readers"


def reader_id(publication: Publication) -> int | None:
    """The signed-in paying reader of this publication, if any."""
    value = (session.get(KEY) or {}).get(str(publication.id))
    return value if isinstance(value, int) else None


def sign_in(publication: Publication, subscriber_id: int) -> None:
    """Remember the reader for this publication (others this browser reads stay as they are)."""
    readers = dict(session.get(KEY) or {})
    readers[str(publication.id)] = subscriber_id
    session[KEY] = readers


def sign_out(publication: Publication) -> None:
    """Forget the reader for this publication."""
    readers = dict(session.get(KEY) or {})
    readers.pop(str(publication.id), None)
    session[KEY] = readers
