"""Reading the list: keyset pages that stay fast at a million readers, tags, history.

A page seeks: the cursor is compared as a row, (created_at, id) < (:at, :id), on the
columns of the index the order walks, so PostgreSQL starts the index scan at the cursor
instead of reading and dropping every row before it; a page deep in the list costs what the
first one does. Sorted by address, the key is the address alone (unique in a publication).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_

from saas.audience import hooks, subscriber_search
from saas.audience.models import Subscriber, SubscriberEvent, SubscriberTag, Tag
from saas.core.extensions import db
from saas.publishing.models import Publication

SORTS = {"newest", "oldest", "email"}


@dataclass(frozen=True)
class SubscriberPage:
    """One page of readers and the cursors to move from it."""

    items: list[Subscriber]
    next_cursor: str | None
    prev_cursor: str | None


def _encode(*values) -> str:
    raw = "|".join(v.isoformat() if isinstance(v, datetime) else str(v) for v in values)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[str] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode().split("|")
    except (ValueError, UnicodeDecodeError):
        return None


def _seek(sort: str, key: tuple, forward_is_less: bool):
    """The condition that starts a page just past `key` (a row comparison: an index seek)."""
    if sort == "email":
        return Subscriber.email < key[0] if forward_is_less else Subscriber.email > key[0]
    row, cursor = tuple_(Subscriber.created_at, Subscriber.id), tuple_(*key)
    return row < cursor if forward_is_less else row > cursor


def _order(sort: str, descending: bool) -> tuple:
    columns = (Subscriber.email,) if sort == "email" else (Subscriber.created_at, Subscriber.id)
    return tuple(c.desc() for c in columns) if descending else tuple(c.asc() for c in columns)


def _parse_key(sort: str, parts: list[str]):
    if len(parts) != 2 or not parts[1].isdigit():
        return None
    try:
        first = parts[0] if sort == "email" else datetime.fromisoformat(parts[0])
    except ValueError:
        return None
    return first, int(parts[1])


def list_page(
    publication: Publication,
    *,
    status: str | None = None,
    tag_id: int | None = None,
    search: str | None = None,
    sort: str = "newest",
    after: str | None = None,
    before: str | None = None,
    per_page: int = 50,
) -> SubscriberPage:
    """A keyset page of readers; never counts the whole table."""
    sort = sort if sort in SORTS else "newest"
    descending = sort == "newest"
    query = select(Subscriber)
    if status:
        query = query.where(Subscriber.status == status)
    if tag_id:
        query = query.join(SubscriberTag, SubscriberTag.subscriber_id == Subscriber.id).where(
            SubscriberTag.tag_id == tag_id
        )
    if search and search.strip():
        query = query.where(subscriber_search.matches(search))
    going_back = False
    cursor = after or before
    key = _parse_key(sort, _decode(cursor) or []) if cursor else None
    if key is not None:
        going_back = bool(before) and not after
        query = query.where(_seek(sort, key, forward_is_less=descending != going_back))
    ordering = _order(sort, descending=descending != going_back)
    rows = list(db.session.scalars(query.order_by(*ordering).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if going_back:
        rows.reverse()

    def key_of(s: Subscriber) -> str:
        return _encode(s.email if sort == "email" else s.created_at, s.id)

    has_next = more if not going_back else True
    has_prev = (key is not None) if not going_back else more
    return SubscriberPage(
        items=rows,
        next_cursor=key_of(rows[-1]) if rows and has_next else None,
        prev_cursor=key_of(rows[0]) if rows and has_prev else None,
    )


def get(publication: Publication, subscriber_id: int) -> Subscriber | None:
    """A reader of this publication by id."""
    return db.session.scalar(select(Subscriber).where(Subscriber.id == subscriber_id))


def all_tags(publication: Publication) -> list[Tag]:
    """The publication's tags by name."""
    return list(db.session.scalars(select(Tag).order_by(Tag.name)))


def history(publication: Publication, subscriber: Subscriber) -> list[tuple]:
    """Events and what other features add (deliveries), newest first: (when, kind, detail)."""
    events = [
        (e.created_at, e.kind, e.detail)
        for e in db.session.scalars(
            select(SubscriberEvent).where(SubscriberEvent.subscriber_id == subscriber.id)
        )
    ]
    events.extend(hooks.history_entries(publication, subscriber))
    return sorted(events, key=lambda e: e[0], reverse=True)
