"""Inbox actions: moderate a reply, answer it (email or web), block a reader, mark all read."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_login import current_user

from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.urls import safe_next_url
from saas.replies import moderation as reply_moderation
from saas.replies.blueprints import dashboard_bp
from saas.replies.inbox_forms import AnswerForm, ButtonForm, ModerateForm
from saas.replies.posting import ReplyRefused


def _reply_or_404(reply_id: int):
    reply = reply_moderation.get_reply(g.publication, reply_id)
    if reply is None:
        abort(404)
    return reply


def _back(default: str):
    return redirect(safe_next_url(request.form.get("next")) or default, 303)


def _conversation_url(reply, anchor_id: int | None = None) -> str:
    if reply.subscriber_id is None:
        return url_for("dashboard.replies.inbox")
    url = url_for("dashboard.replies.inbox_reader", subscriber_id=reply.subscriber_id)
    return f"{url}#reply-{anchor_id or reply.id}"


@dashboard_bp.route("/<pub_slug>/inbox/replies/<int:reply_id>/moderate", methods=["POST"])
def moderate_reply(reply_id: int):
    reply = _reply_or_404(reply_id)
    form = ModerateForm()
    if not form.validate_on_submit():
        flash("That action is not available.", "error")
        return _back(_conversation_url(reply))
    target = _conversation_url(reply)
    flash(reply_moderation.moderate(g.publication, reply, form.action.data), "success")
    return _back(target)


@dashboard_bp.route("/<pub_slug>/inbox/replies/<int:reply_id>/answer", methods=["POST"])
def answer_reply(reply_id: int):
    reply = _reply_or_404(reply_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(" ".join(form.body.errors) or "Write your answer first.", "error")
        return _back(_conversation_url(reply))
    try:
        answer = reply_moderation.answer(
            g.publication, reply, current_user, form.body.data, form.how.data
        )
    except ReplyRefused as refused:
        flash(str(refused), "error")
        return _back(_conversation_url(reply))
    if form.how.data == reply_moderation.ANSWER_BY_EMAIL:
        flash("Your answer is on its way to the reader’s inbox.", "success")
    else:
        flash("Your answer is on the issue’s page.", "success")
    return _back(_conversation_url(reply, answer.id))


@dashboard_bp.route("/<pub_slug>/inbox/readers/<int:subscriber_id>/block", methods=["POST"])
def block_reader(subscriber_id: int):
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.publication_id != g.publication.id:
        abort(404)
    if ButtonForm().validate_on_submit():
        blocked = request.form.get("blocked") != "0"
        reply_moderation.set_blocked(g.publication, subscriber.id, blocked)
        flash(
            "Blocked: this reader can no longer reply, on the web or by email."
            if blocked
            else "Unblocked: this reader can reply again.",
            "success",
        )
    return _back(url_for("dashboard.replies.inbox_reader", subscriber_id=subscriber.id))


@dashboard_bp.route("/<pub_slug>/inbox/read-all", methods=["POST"])
def mark_inbox_read():
    if ButtonForm().validate_on_submit():
        count = reply_moderation.mark_all_read(g.publication)
        flash(f"Marked {count} repl{'y' if count == 1 else 'ies'} as read.", "success")
    return _back(url_for("dashboard.replies.inbox"))
