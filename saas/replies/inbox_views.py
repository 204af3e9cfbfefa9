"""The practitioner's inbox: every reader reply, web and email, and each reader's conversation.

Also gives every dashboard page the unread count (for the navigation) and the issue list
its reply counts.
"""

from __future__ import annotations

from flask import abort, g, render_template, request

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.publishing import dashboard_parent
from saas.replies import moderation as reply_moderation
from saas.replies import queries as reply_queries
from saas.replies.blueprints import dashboard_bp
from saas.replies.inbox_forms import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    AnswerForm,
    ButtonForm,
    InboxFilterForm,
)
from saas.replies.posting import EDIT_WINDOW, standing_of

PER_PAGE = 25


@dashboard_parent.bp.context_processor
def inbox_counts() -> dict:
    """`inbox_unread` for the navigation; `reply_counts()` for lists that want it."""
    publication = g.get("publication")
    if publication is None:
        return {}
    return {
        "inbox_unread": reply_queries.unread_count(publication),
        "reply_counts": lambda issue_ids: reply_queries.reply_counts(publication, issue_ids),
    }


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1


@dashboard_bp.route("/<pub_slug>/inbox")
def inbox():
    publication = g.publication
    filters = InboxFilterForm(request.args)
    filters.set_issues(reply_queries.issues_with_replies(publication))
    filters.validate()
    chosen = reply_queries.InboxFilters(
        issue_id=filters.issue_id(),
        status=filters.status.data if filters.status.data in STATUS_LABELS else None,
        channel=filters.channel.data if filters.channel.data in CHANNEL_LABELS else None,
        unread=bool(filters.unread.data),
        search=(filters.q.data or "").strip(),
    )
    page = reply_queries.inbox_page(publication, chosen, _page_number(), PER_PAGE)
    keep = {
        "q": chosen.search,
        "issue": chosen.issue_id or "",
        "status": chosen.status or "",
        "channel": chosen.channel or "",
        "unread": "y" if chosen.unread else "",
    }
    return render_template(
        "replies/inbox.html",
        filters=filters,
        chosen=chosen,
        page=page,
        keep={k: v for k, v in keep.items() if v},
        status_counts=reply_queries.status_counts(publication),
        status_labels=STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
        button_form=ButtonForm(),
        search_window=reply_queries.SEARCH_WINDOW,
    )


@dashboard_bp.route("/<pub_slug>/inbox/readers/<int:subscriber_id>")
def inbox_reader(subscriber_id: int):
    """One reader's conversation; opening it marks their replies read."""
    publication = g.publication
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.publication_id != publication.id:
        abort(404)
    talk = reply_queries.conversation(publication, subscriber)
    unread = {r.id for _, replies in talk.issues for r in replies if r.read_at is None}
    reply_moderation.mark_conversation_read(publication, subscriber.id)
    standing = standing_of(publication, subscriber.id)
    return render_template(
        "replies/inbox_reader.html",
        subscriber=subscriber,
        conversation=talk,
        unread=unread,
        blocked=standing is not None and standing.blocked_at is not None,
        answer_form=AnswerForm(),
        button_form=ButtonForm(),
        status_labels=STATUS_LABELS,
        edit_minutes=int(EDIT_WINDOW.total_seconds() // 60),
    )
