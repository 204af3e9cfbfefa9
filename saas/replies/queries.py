"""Reading replies: an issue's public thread, counts, the inbox with its filters, conversations.

Reply text is encrypted at rest (saas.replies.models), so nothing here filters on it in SQL;
the inbox search matches in Python over a bounded window of the newest replies. Issue pages
read their thread a page at a time through saas.replies.threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.publishing.models import Issue, Publication
from saas.replies.models import PUBLIC, Reply


@dataclass
class Thread:
    """A top-level reply and the replies under it, oldest first."""

    root: Reply
    children: list[Reply] = field(default_factory=list)


@dataclass(frozen=True)
class InboxFilters:
    """What the practitioner narrowed the inbox to."""

    issue_id: int | None = None
    status: str | None = None
    channel: str | None = None
    unread: bool = False
    search: str = ""


@dataclass(frozen=True)
class InboxRow:
    """One reply in the inbox list, with what the list shows about it."""

    reply: Reply
    issue_title: str
    reader_email: str | None


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox."""

    rows: list[InboxRow]
    page: int
    pages: int
    total: int
    # A search stopped at SEARCH_WINDOW replies: older ones were not searched.
    search_limited: bool = False


def public_thread(publication: Publication, issue: Issue) -> list[Thread]:
    """The issue's whole public thread as one-level threads, oldest first (small threads and
    tests; pages use saas.replies.threads.thread_page).

    A deleted top-level reply stays as a placeholder only while it has visible answers.
    """
    replies = db.session.scalars(
        select(Reply)
        .where(Reply.issue_id == issue.id, Reply.status == PUBLIC)
        .order_by(Reply.created_at, Reply.id)
    ).all()
    threads = {r.id: Thread(r) for r in replies if r.parent_id is None}
    for reply in replies:
        if reply.parent_id is not None and not reply.is_deleted and reply.parent_id in threads:
            threads[reply.parent_id].children.append(reply)
    return [t for t in threads.values() if not t.root.is_deleted or t.children]


def public_count(publication: Publication, issue_id: int) -> int:
    """How many replies show on the issue's page (the number readers see)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Reply)
        .where(Reply.issue_id == issue_id, Reply.status == PUBLIC, Reply.deleted_at.is_(None))
    )


def readers_own(publication: Publication, issue: Issue, subscriber_id: int) -> list[Reply]:
    """The reader's replies to the issue that the thread does not show (held, private, hidden)."""
    return list(
        db.session.scalars(
            select(Reply)
            .where(
                Reply.issue_id == issue.id,
                Reply.subscriber_id == subscriber_id,
                Reply.status != PUBLIC,
                Reply.deleted_at.is_(None),
            )
            .order_by(Reply.created_at)
        )
    )


def reply_counts(publication: Publication, issue_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per issue id of `issue_ids` (a page of a list): (readers' replies, of which unread)."""
    if not issue_ids:
        return {}
    rows = db.session.execute(
        select(
            Reply.issue_id,
            func.count(),
            func.count(Reply.id).filter(Reply.read_at.is_(None)),
        )
        .where(
            Reply.publication_id == publication.id,
            Reply.issue_id.in_(issue_ids),
            Reply.is_author.is_(False),
            Reply.deleted_at.is_(None),
        )
        .group_by(Reply.issue_id)
    ).all()
    return {issue_id: (total, unread) for issue_id, total, unread in rows}


def unread_count(publication: Publication) -> int:
    """Readers' replies the practitioner has not opened yet."""
    return db.session.scalar(
        select(func.count())
        .select_from(Reply)
        .where(
            Reply.publication_id == publication.id,
            Reply.is_author.is_(False),
            Reply.deleted_at.is_(None),
            Reply.read_at.is_(None),
        )
    )


def status_counts(publication: Publication) -> dict[str, int]:
    """Readers' replies per status (for the filter's labels)."""
    rows = db.session.execute(
        select(Reply.status, func.count())
        .where(
            Reply.publication_id == publication.id,
            Reply.is_author.is_(False),
            Reply.deleted_at.is_(None),
        )
        .group_by(Reply.status)
    ).all()
    return {status: n for status, n in rows}


# Reply text is encrypted at rest, so SQL cannot look inside it: a search reads the newest
# replies that pass the other filters, this many at most, and matches them in Python.
SEARCH_WINDOW = 1_000


def _narrowed(query, publication: Publication, filters: InboxFilters):
    query = query.where(
        Reply.publication_id == publication.id,
        Reply.is_author.is_(False),
        Reply.deleted_at.is_(None),
    )
    if filters.issue_id:
        query = query.where(Reply.issue_id == filters.issue_id)
    if filters.status:
        query = query.where(Reply.status == filters.status)
    if filters.channel:
        query = query.where(Reply.channel == filters.channel)
    if filters.unread:
        query = query.where(Reply.read_at.is_(None))
    return query


def _inbox_query(publication: Publication, filters: InboxFilters, *columns):
    query = (
        select(*columns)
        .select_from(Reply)
        .join(Issue, Issue.id == Reply.issue_id)
        .outerjoin(Subscriber, Subscriber.id == Reply.subscriber_id)
    )
    return _narrowed(query, publication, filters).order_by(Reply.created_at.desc(), Reply.id.desc())


def _inbox_total(publication: Publication, filters: InboxFilters) -> int:
    # The joins only add columns (every reply has its issue): count the replies alone.
    return db.session.scalar(
        _narrowed(select(func.count()).select_from(Reply), publication, filters)
    )


def _search(publication: Publication, filters: InboxFilters) -> tuple[list[int], bool]:
    """Ids of the matching replies, newest first, and whether the window was full."""
    needle = filters.search.strip().casefold()
    rows = db.session.execute(
        _inbox_query(
            publication,
            filters,
            Reply.id,
            Reply.body_text,
            Reply.subject,
            Reply.author_name,
            Subscriber.email,
        ).limit(SEARCH_WINDOW)
    ).all()
    matched = [
        row.id for row in rows if any(needle in (value or "").casefold() for value in row[1:])
    ]
    return matched, len(rows) >= SEARCH_WINDOW


def inbox_page(
    publication: Publication, filters: InboxFilters, page: int = 1, per_page: int = 25
) -> InboxPage:
    """Readers' replies, newest first, narrowed by the filters.

    A search covers the newest SEARCH_WINDOW replies the other filters leave;
    `InboxPage.search_limited` says when older ones went unsearched.
    """
    query = _inbox_query(publication, filters, Reply, Issue.title, Subscriber.email)
    limited = False
    if filters.search.strip():
        ids, limited = _search(publication, filters)
        total = len(ids)
    else:
        total = _inbox_total(publication, filters)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    if filters.search.strip():
        wanted = ids[(page - 1) * per_page : page * per_page]
        rows = db.session.execute(query.where(Reply.id.in_(wanted))).all() if wanted else []
    else:
        rows = db.session.execute(query.offset((page - 1) * per_page).limit(per_page)).all()
    return InboxPage(
        rows=[InboxRow(reply, title, email) for reply, title, email in rows],
        page=page,
        pages=pages,
        total=total,
        search_limited=limited,
    )


def issues_with_replies(publication: Publication) -> list[tuple[int, str, int | None]]:
    """(id, title, number) of issues that have readers' replies, newest first."""
    rows = db.session.execute(
        select(Issue.id, Issue.title, Issue.number)
        .where(
            Issue.id.in_(
                select(Reply.issue_id).where(
                    Reply.publication_id == publication.id, Reply.is_author.is_(False)
                )
            )
        )
        .order_by(Issue.number.desc().nulls_last(), Issue.id.desc())
    ).all()
    return [(i, t, n) for i, t, n in rows]


@dataclass
class Conversation:
    """Everything between one reader and the practitioner, grouped by issue."""

    subscriber: Subscriber
    issues: list[tuple[Issue, list[Reply]]]


def conversation(publication: Publication, subscriber: Subscriber) -> Conversation:
    """The reader's replies and the author's answers to them, oldest first, by issue."""
    mine = select(Reply.id).where(Reply.subscriber_id == subscriber.id)
    rows = db.session.execute(
        select(Reply, Issue)
        .join(Issue, Issue.id == Reply.issue_id)
        .where(
            Reply.publication_id == publication.id,
            Reply.deleted_at.is_(None),
            or_(
                Reply.subscriber_id == subscriber.id,
                Reply.is_author.is_(True) & Reply.answer_to_id.in_(mine),
            ),
        )
        .order_by(Reply.created_at, Reply.id)
    ).all()
    grouped: dict[int, tuple[Issue, list[Reply]]] = {}
    for reply, issue in rows:
        grouped.setdefault(issue.id, (issue, []))[1].append(reply)
    ordered = sorted(grouped.values(), key=lambda item: item[1][-1].created_at, reverse=True)
    return Conversation(subscriber, ordered)
