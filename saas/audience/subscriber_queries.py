"""Reading the list: keyset pages that stay fast at a million readers, tags, history."""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import dataclass
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy import and_, func, or_, select

from saas.audience import hooks
from saas.audience.models import Subscriber, SubscriberEvent, SubscriberTag, Tag
from saas.core.extensions import db
from saas.core.queue import get_connection
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


def _key_columns(sort: str):
    if sort == "email":
        return (Subscriber.email, Subscriber.id), False
    return (Subscriber.created_at, Subscriber.id), sort == "newest"


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
    (first_col, id_col), descending = _key_columns(sort)
    query = select(Subscriber)
    if status:
        query = query.where(Subscriber.status == status)
    if tag_id:
        query = query.join(SubscriberTag, SubscriberTag.subscriber_id == Subscriber.id).where(
            SubscriberTag.tag_id == tag_id
        )
    if search:
        term = search.strip().lower()
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(
            or_(
                Subscriber.email.like(f"{escaped}%", escape="\\"),
                func.lower(Subscriber.name).like(f"%{escaped}%", escape="\\"),
            )
        )
    going_back = False
    cursor = after or before
    key = _parse_key(sort, _decode(cursor) or []) if cursor else None
    if key is not None:
        going_back = bool(before) and not after
        forward_is_less = descending != going_back
        if forward_is_less:
            query = query.where(or_(first_col < key[0], and_(first_col == key[0], id_col < key[1])))
        else:
            query = query.where(or_(first_col > key[0], and_(first_col == key[0], id_col > key[1])))
    order_desc = descending != going_back
    ordering = (first_col.desc(), id_col.desc()) if order_desc else (first_col.asc(), id_col.asc())
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


COUNTS_TTL_SECONDS = 60


def status_counts(publication: Publication) -> dict[str, int]:
    """Readers per status, recounted at most once a minute (cached in Redis).

    With Redis away the count comes straight from the database.
    """
    key = f"tend:subscriber-counts:{publication.id}"
    try:
        cached = get_connection().get(key)
    except RedisError:
        cached = None
    if cached:
        return json.loads(cached)
    rows = db.session.execute(
        select(Subscriber.status, func.count()).group_by(Subscriber.status)
    ).all()
    counts = {status: n for status, n in rows}
    with contextlib.suppress(RedisError):
        get_connection().set(key, json.dumps(counts), ex=COUNTS_TTL_SECONDS)
    return counts


def forget_counts(publication: Publication) -> None:
    """Drop the cached counts after a change the practitioner will look for at once."""
    with contextlib.suppress(RedisError):
        get_connection().delete(f"tend:subscriber-counts:{publication.id}")
