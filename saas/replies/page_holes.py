"""The Reply section of an issue page: the thread kept for everyone, the reader's parts filled.

The thread (a page of it, with its count) is the same for every visitor and is kept with the
page (`reply_thread`). Per request, page holes (saas.core.page_holes) add what is the
visitor's own: "reply-reader" (the signed-in reader's form or why they cannot reply; the way
to the inbox for the publication's practitioners; the sign-in box for anyone else),
"reply-own" (their held, private or hidden replies), the flag "reply-forms" (answer forms
under each thread) and "own-replies"; Edit and Delete on a reader's own replies are `owner`
holes of the thread itself.

The reader's "replies" part of their kept state (saas.audience.reader_state) says whether
they are blocked and on which issues they left replies only they can see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import func, select

from saas.audience import reader_session, reader_state
from saas.audience.reader_state import ReaderState
from saas.billing import stripe_api
from saas.core.content_versions import PAGES, READERS, watch
from saas.core.extensions import db
from saas.core.page_hole_rendering import render_kept, render_partial
from saas.core.page_holes import Fill, resolver
from saas.publishing import issues as issue_service
from saas.publishing.models import AUDIENCE_PAID, Issue, Publication
from saas.replies import posting as reply_service
from saas.replies import queries as reply_queries
from saas.replies.models import CHANNEL_WEB, MODE_PRIVATE, PUBLIC, Reply, ReplyStanding
from saas.replies.queries import Thread
from saas.replies.threads import parse_cursor, thread_page


@dataclass
class PublicSection:
    """The Reply section as everyone sees it: the count and one page of the thread."""

    mode: str
    count: int
    threads: list[Thread]
    earlier_before: int | None = None
    later_start: int | None = None

    @property
    def private_only(self) -> bool:
        """Whether new web replies go to the practitioner alone."""
        return self.mode == MODE_PRIVATE


def reply_thread(
    publication: Publication, issue: Issue, extras: dict | None = None
) -> PublicSection:
    """The section's shared content; the count comes with the page's query when it can."""
    page = thread_page(
        issue, parse_cursor(request.args.get("start")), parse_cursor(request.args.get("before"))
    )
    count = (extras or {}).get("reply_count")
    if count is None:
        count = reply_queries.public_count(publication, issue.id)
    return PublicSection(
        publication.reply_mode, count, page.threads, page.earlier_before, page.later_start
    )


def reply_edit_until(reply: Reply) -> int | None:
    """Until when (epoch) the reader may still edit a reply, if it is editable at all."""
    if reply.is_deleted or reply.is_author or reply.channel != CHANNEL_WEB:
        return None
    return int((reply.created_at + reply_service.EDIT_WINDOW).timestamp())


def _public_count(issue):
    return (
        select(func.count())
        .select_from(Reply)
        .where(Reply.issue_id == issue.id, Reply.status == PUBLIC, Reply.deleted_at.is_(None))
        .scalar_subquery()
    )


# --- the reader's part ---------------------------------------------------------------------


@reader_state.loader("replies")
def _reader_part(publication: Publication, subscriber_id: int) -> dict[str, Any]:
    own = db.session.scalars(
        select(Reply.issue_id)
        .where(
            Reply.subscriber_id == subscriber_id,
            Reply.status != PUBLIC,
            Reply.deleted_at.is_(None),
        )
        .distinct()
    ).all()
    return {
        "blocked": reply_service.is_blocked(publication, subscriber_id),
        "own_issue_ids": sorted(own),
    }


def _active_reader(fill: Fill) -> ReaderState | None:
    reader = fill.who("reader")
    return reader if reader is not None and reader.active else None


def _can_reply(fill: Fill, reader: ReaderState) -> bool:
    """`posting.can_read` from the kept state: published, and paid if the issue is locked."""
    issue = fill.page.get("issue") or {}
    if not issue.get("published"):
        return False
    if issue.get("audience") != AUDIENCE_PAID or not stripe_api.enabled():
        return True
    return bool(reader.part("billing").get("paid"))


@resolver("flag", "reply-forms")
def _reply_forms(fill: Fill) -> bool:
    reader = _active_reader(fill)
    return (
        reader is not None
        and not reader.part("replies").get("blocked")
        and _can_reply(fill, reader)
    )


@resolver("flag", "own-replies")
def _has_own(fill: Fill) -> bool:
    reader = _active_reader(fill)
    issue_id = (fill.page.get("issue") or {}).get("id")
    return reader is not None and issue_id in reader.part("replies").get("own_issue_ids", [])


@dataclass
class ReaderSection:
    """What the "reply-reader" hole shows this visitor."""

    mode: str
    author: str
    reader: ReaderState | None = None
    blocked: bool = False
    can_reply: bool = False
    is_member: bool = False
    notice: str | None = None
    draft: str = ""

    @property
    def private_only(self) -> bool:
        return self.mode == MODE_PRIVATE


def _issue_view(fill: Fill) -> dict:
    return fill.page.get("issue") or {}


@resolver("partial", "reply-reader")
def _reader_hole(fill: Fill, kwargs: dict) -> str:
    publication = fill.context["publication"]
    section = ReaderSection(publication.reply_mode, publication.author_name or publication.name)
    reader = _active_reader(fill)
    if reader is not None:
        section.reader = reader
        section.blocked = bool(reader.part("replies").get("blocked"))
        section.can_reply = _can_reply(fill, reader)
        section.notice = reader_session.pop_notice()
        section.draft = reader_session.pop_draft()
    else:
        section.is_member = bool(fill.who("member"))
    context = {"publication": publication, "issue": _issue_view(fill), "section": section}
    if section.notice or section.draft:
        return render_partial("replies/_reply_reader.html", fill, **context)
    # Otherwise the same for every request of this reader on this issue (but the CSRF token).
    key = (
        publication.id,
        publication.slug,
        publication.name,
        section.mode,
        section.author,
        context["issue"].get("slug"),
        reader and (reader.subscriber_id, reader.name, reader.email),
        section.blocked,
        section.can_reply,
        section.is_member,
    )
    return render_kept("replies/_reply_reader.html", fill, key, **context)


@resolver("partial", "reply-own")
def _own_hole(fill: Fill, kwargs: dict) -> str:
    if not fill.flag("own-replies"):
        return ""
    publication = fill.context["publication"]
    issue = db.session.get(Issue, _issue_view(fill)["id"])
    own = reply_queries.readers_own(publication, issue, fill.reader_id) if issue else []
    return render_partial("replies/_reply_own.html", fill, publication=publication, own=own)


def init_page_holes(app) -> None:
    """Template helpers, the reply count in the issue page's query, what makes pages stale."""
    app.jinja_env.globals.update(reply_thread=reply_thread, reply_edit_until=reply_edit_until)
    issue_service.issue_page_column("reply_count", _public_count)
    watch(Reply, [PAGES, READERS])
    watch(ReplyStanding, [READERS])
