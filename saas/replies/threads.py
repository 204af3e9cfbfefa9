"""An issue's public thread one page at a time: keyset pagination over its top-level replies.

A page holds up to THREADS_PER_PAGE top-level replies, oldest first, each with every public
answer under it. Pages are named by a reply id, never an offset, so a page deep into an issue
with thousands of replies costs the same as the first: `start=<id>` opens a page at that
reply's thread (inclusive, going on to later replies) and `before=<id>` shows the page that
ends just before that thread. An unknown, foreign or malformed id gives the first page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from saas.core.extensions import db
from saas.publishing.models import Issue
from saas.replies.models import PUBLIC, Reply
from saas.replies.queries import Thread

THREADS_PER_PAGE = 50


@dataclass
class ThreadPage:
    """One page of an issue's public thread, with the cursors of its neighbours."""

    threads: list[Thread] = field(default_factory=list)
    # `before=` value for the page of earlier replies, `start=` value for later ones.
    earlier_before: int | None = None
    later_start: int | None = None


def parse_cursor(raw: str | None) -> int | None:
    """A reply id from a query-string value, or None for anything else."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and 0 < len(raw) < 12 else None


def _roots(issue: Issue):
    """Top-level public replies of the issue that the thread shows.

    A deleted one stays, as a placeholder, only while it has visible answers.
    """
    child = aliased(Reply)
    answered = exists().where(
        child.parent_id == Reply.id, child.status == PUBLIC, child.deleted_at.is_(None)
    )
    return select(Reply).where(
        Reply.issue_id == issue.id,
        Reply.parent_id.is_(None),
        Reply.status == PUBLIC,
        or_(Reply.deleted_at.is_(None), answered),
    )


def _position(issue: Issue, reply_id: int | None) -> tuple[datetime, int] | None:
    """(created_at, id) of the thread a reply belongs to, when it is on this issue."""
    if reply_id is None:
        return None
    reply = db.session.get(Reply, reply_id)
    if reply is not None and reply.parent_id is not None:
        reply = db.session.get(Reply, reply.parent_id)
    if reply is None or reply.issue_id != issue.id:
        return None
    return reply.created_at, reply.id


def _after(position: tuple[datetime, int], inclusive: bool):
    at, reply_id = position
    same = Reply.id >= reply_id if inclusive else Reply.id > reply_id
    return or_(Reply.created_at > at, and_(Reply.created_at == at, same))


def _before(position: tuple[datetime, int]):
    at, reply_id = position
    return or_(Reply.created_at < at, and_(Reply.created_at == at, Reply.id < reply_id))


def _with_answers(roots: list[Reply]) -> list[Thread]:
    threads = {root.id: Thread(root) for root in roots}
    if threads:
        answers = db.session.scalars(
            select(Reply)
            .where(
                Reply.parent_id.in_(list(threads)),
                Reply.status == PUBLIC,
                Reply.deleted_at.is_(None),
            )
            .order_by(Reply.created_at, Reply.id)
        )
        for answer in answers:
            threads[answer.parent_id].children.append(answer)
    return list(threads.values())


def thread_page(
    issue: Issue,
    start: int | None = None,
    before: int | None = None,
    per_page: int = THREADS_PER_PAGE,
) -> ThreadPage:
    """The page of the issue's public thread that `start` or `before` names (else the first)."""
    roots = _roots(issue)
    backwards = _position(issue, before) if start is None else None
    if backwards is not None:
        rows = db.session.scalars(
            roots.where(_before(backwards))
            .order_by(Reply.created_at.desc(), Reply.id.desc())
            .limit(per_page + 1)
        ).all()
        if rows:
            shown = list(reversed(rows[:per_page]))
            earlier = shown[0].id if len(rows) > per_page else None
            return ThreadPage(_with_answers(shown), earlier_before=earlier, later_start=before)
    forwards = _position(issue, start)
    query = roots.order_by(Reply.created_at, Reply.id).limit(per_page + 1)
    if forwards is not None:
        query = query.where(_after(forwards, inclusive=True))
    rows = db.session.scalars(query).all()
    shown = rows[:per_page]
    page = ThreadPage(_with_answers(shown))
    page.later_start = rows[per_page].id if len(rows) > per_page else None
    if forwards is not None and shown:
        first = (shown[0].created_at, shown[0].id)
        earlier = db.session.scalar(
            roots.with_only_columns(Reply.id).where(_before(first)).limit(1)
        )
        page.earlier_before = shown[0].id if earlier is not None else None
    return page
