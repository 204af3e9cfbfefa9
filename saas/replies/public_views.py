"""A signed-in reader's post/edit/delete on issue pages, and the page where a reader turns
answer emails off (what the Reply section shows: saas.replies.page_holes)."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request

from saas.audience import reader_session
from saas.audience.forms import ReaderActionForm
from saas.audience.models import Subscriber
from saas.core.extensions import csrf, db, limiter
from saas.core.urls import public_url
from saas.publishing import issues as issue_service
from saas.publishing.models import Issue
from saas.replies import notices as reply_notices
from saas.replies import posting as reply_service
from saas.replies.blueprints import public_bp
from saas.replies.models import PENDING, PRIVATE, PUBLIC, Reply
from saas.replies.public_forms import EditReplyForm, ReplyForm

_per_ip = limiter.limit("20 per minute; 200 per hour", methods=["POST"])
_per_reader = limiter.limit(
    "6 per minute; 60 per hour", methods=["POST"], key_func=reader_session.rate_limit_key
)

POSTED = {
    PUBLIC: "Your reply is up.",
    PENDING: "Thanks! Your reply will appear once {author} approves it.",
    PRIVATE: "Sent. Only {author} sees your reply.",
}


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
