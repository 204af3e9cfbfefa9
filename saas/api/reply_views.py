"""Replies: what readers wrote back, as the inbox lists it."""

from __future__ import annotations

from flask import g

from saas.api import scopes
from saas.api.blueprints import replies_bp as bp
from saas.api.schemas.replies import ReplyOut, ReplyPage, ReplyQuery
from saas.api.spec import operation
from saas.replies import queries
from saas.replies.queries import InboxFilters, InboxRow

PER_PAGE = 25


def _out(row: InboxRow) -> ReplyOut:
    reply = row.reply
    return ReplyOut(
        id=reply.id,
        issue_id=reply.issue_id,
        issue_title=row.issue_title,
        subscriber_id=reply.subscriber_id,
        author_name=reply.author_name,
        channel=reply.channel,
        status=reply.status,
        text=reply.body_text,
        parent_id=reply.parent_id,
        created_at=reply.created_at,
        read_at=reply.read_at,
    )


@bp.get("/replies")
@operation(
    "listReplies",
    tag="replies",
    scope=scopes.REPLIES_READ,
    query=ReplyQuery,
    ok=ReplyPage,
    errors=(422,),
)
def list_replies(query: ReplyQuery):
    """List readers' replies, newest first

    Replies on the web and by email, as the inbox shows them (25 a page), narrowed by
    issue, status, channel or unread. Listing them does not mark them read.
    """
    filters = InboxFilters(
        issue_id=query.issue_id,
        status=query.status,
        channel=query.channel,
        unread=query.unread,
    )
    page = queries.inbox_page(g.publication, filters, page=query.page, per_page=PER_PAGE)
    return ReplyPage(
        data=[_out(row) for row in page.rows], page=page.page, pages=page.pages, total=page.total
    )
