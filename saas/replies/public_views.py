"""The Reply section of issue pages: what it shows (a page of the thread at a time), a
signed-in reader's post/edit/delete, and the page where a reader turns answer emails off."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, g, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import select

from saas.audience import reader_session
from saas.audience.forms import ReaderActionForm
from saas.audience.models import Subscriber
from saas.core.extensions import csrf, db, limiter
from saas.core.urls import public_url
from saas.publishing import issues as issue_service
from saas.publishing.models import Issue, Membership, Publication
from saas.replies import notices as reply_notices
from saas.replies import posting as reply_service
from saas.replies import queries as reply_queries
from saas.replies.blueprints import public_bp
from saas.replies.models import MODE_PRIVATE, PENDING, PRIVATE, PUBLIC, Reply
from saas.replies.public_forms import EditReplyForm, ReplyForm
from saas.replies.queries import Thread
from saas.replies.threads import parse_cursor, thread_page

_per_ip = limiter.limit("20 per minute; 200 per hour", methods=["POST"])
_per_reader = limiter.limit(
    "6 per minute; 60 per hour", methods=["POST"], key_func=reader_session.rate_limit_key
)

POSTED = {
    PUBLIC: "Your reply is up.",
    PENDING: "Thanks! Your reply will appear once {author} approves it.",
    PRIVATE: "Sent. Only {author} sees your reply.",
}


@dataclass
class ReplySection:
    """Everything the Reply section of one issue page shows to this visitor."""

    mode: str
    count: int
    threads: list[Thread]
    reader: Subscriber | None = None
    own: list[Reply] = field(default_factory=list)
    editable: set[int] = field(default_factory=set)
    blocked: bool = False
    can_reply: bool = False
    is_member: bool = False
    notice: str | None = None
    draft: str = ""
    author: str = ""
    # Cursors of the neighbouring pages of the thread (see saas.replies.threads).
    earlier_before: int | None = None
    later_start: int | None = None

    @property
    def private_only(self) -> bool:
        """Whether new web replies go to the practitioner alone."""
        return self.mode == MODE_PRIVATE


def _is_member(publication: Publication) -> bool:
    if not current_user.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.publication_id == publication.id,
                Membership.user_id == current_user.id,
            )
        )
        is not None
    )


@public_bp.app_template_global("reply_section")
def reply_section(publication: Publication, issue: Issue) -> ReplySection:
    """The section's content; anonymous visitors get the same (cacheable) answer."""
    page = thread_page(
        issue, parse_cursor(request.args.get("start")), parse_cursor(request.args.get("before"))
    )
    section = ReplySection(
        mode=publication.reply_mode,
        count=reply_queries.public_count(publication, issue.id),
        threads=page.threads,
        author=publication.author_name or publication.name,
        earlier_before=page.earlier_before,
        later_start=page.later_start,
    )
    reader = reader_session.current_reader(publication)
    if reader is not None:
        section.reader = reader
        section.own = reply_queries.readers_own(publication, issue, reader.id)
        mine = [r for t in section.threads for r in (t.root, *t.children)] + section.own
        section.editable = {
            r.id for r in mine if r.subscriber_id == reader.id and reply_service.can_edit(r)
        }
        section.blocked = reply_service.is_blocked(publication, reader.id)
        section.can_reply = reply_service.can_read(issue, reader)
        section.notice = reader_session.pop_notice()
        section.draft = reader_session.pop_draft()
    elif request.cookies:
        section.is_member = _is_member(publication)
    return section


def _issue_or_404(issue_slug: str) -> Issue:
    issue = issue_service.published_by_slug(g.publication, issue_slug)
    if issue is None:
        abort(404)
    return issue


def _back_to(issue: Issue, anchor: str = "replies", reply: Reply | None = None):
    """The issue's page; at the page of `reply`'s thread when it is on the public thread."""
    values: dict[str, int] = {}
    if reply is not None and reply.status == PUBLIC:
        values["start"] = reply.parent_id or reply.id
    url = public_url(
        "public.publishing.issue", pub_slug=g.publication.slug, issue_slug=issue.slug, **values
    )
    return redirect(f"{url}#{anchor}", 303)


def _reader_or_403() -> Subscriber:
    reader = reader_session.current_reader(g.publication)
    if reader is None:
        abort(403)
    return reader


@public_bp.route("/issues/<issue_slug>/replies", methods=["POST"])
@_per_ip
@_per_reader
def post_reply(issue_slug: str):
    issue = _issue_or_404(issue_slug)
    reader = _reader_or_403()
    form = ReplyForm()
    if not form.validate_on_submit():
        reader_session.set_notice(" ".join(form.body.errors) or "Please try again.")
        reader_session.keep_draft(form.body.data or "")
        return _back_to(issue, "reply-form")
    try:
        reply = reply_service.post_reply(
            g.publication, issue, reader, form.body.data, form.parent(), form.name.data or ""
        )
    except reply_service.ReplyRefused as refused:
        reader_session.set_notice(str(refused))
        reader_session.keep_draft(form.body.data or "")
        return _back_to(issue, "reply-form")
    author = g.publication.author_name or g.publication.name
    reader_session.set_notice(POSTED.get(reply.status, POSTED[PUBLIC]).format(author=author))
    return _back_to(issue, f"reply-{reply.id}", reply)


def _own_reply_or_404(reply_id: int) -> tuple[Reply, Issue]:
    reply = db.session.get(Reply, reply_id)
    issue = db.session.get(Issue, reply.issue_id) if reply is not None else None
    if reply is None or issue is None or not issue.is_published:
        abort(404)
    reader = reader_session.current_reader(g.publication)
    if reader is None or reply_service.own_reply(g.publication, reader, reply.id) is None:
        abort(404)
    return reply, issue


@public_bp.route("/replies/<int:reply_id>/edit", methods=["GET", "POST"])
@_per_ip
@_per_reader
def edit_reply(reply_id: int):
    reply, issue = _own_reply_or_404(reply_id)
    form = EditReplyForm(data={"body": reply.body_text} if request.method == "GET" else None)
    error = None
    if not reply_service.can_edit(reply):
        error = "Replies can be edited for 15 minutes after posting."
    elif form.validate_on_submit():
        try:
            reply_service.edit_reply(g.publication, reply, form.body.data)
        except reply_service.ReplyRefused as refused:
            error = str(refused)
        else:
            reader_session.set_notice("Your reply is updated.")
            return _back_to(issue, f"reply-{reply.id}", reply)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "replies/reply_edit.html",
        publication=g.publication,
        issue=issue,
        reply=reply,
        form=form,
        error=error,
        editable=reply_service.can_edit(reply),
    ), (status if error or form.errors else 200)


@public_bp.route("/replies/<int:reply_id>/delete", methods=["POST"])
@_per_ip
@_per_reader
def delete_reply(reply_id: int):
    reply, issue = _own_reply_or_404(reply_id)
    if ReaderActionForm().validate_on_submit():
        reply_service.delete_reply(g.publication, reply)
        reader_session.set_notice("Your reply is deleted.")
    return _back_to(issue)


@public_bp.route("/replies/answer-emails", methods=["GET", "POST"])
@csrf.exempt
@_per_ip
def answer_emails():
    """GET shows the setting; POST changes it (RFC 8058 one-click turns it off, no cookies)."""
    ids = reply_notices.read_notices_token(request.args.get("t", ""))
    if ids is None or ids[0] != g.publication.id:
        abort(404)
    reader = db.session.get(Subscriber, ids[1])
    if reader is None or reader.publication_id != g.publication.id:
        abort(404)
    changed = request.method == "POST"
    if changed:
        wanted = request.form.get("wanted") == "1"
        reply_notices.set_answer_emails(g.publication, reader.id, wanted)
    return render_template(
        "replies/answer_emails.html",
        publication=g.publication,
        token=request.args.get("t", ""),
        wanted=reply_notices.wants_answer_emails(g.publication, reader.id),
        changed=changed,
        author=g.publication.author_name or g.publication.name,
    )
