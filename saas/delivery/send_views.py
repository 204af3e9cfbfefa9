"""Sending issues: test sends, send now, schedule, pause, resume, new readers, progress."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField
from wtforms.validators import DataRequired

from saas.delivery import bounce_rates, deferrals, segments, sending, sending_holds, suppression
from saas.delivery.blueprints import dashboard_bp
from saas.delivery.models import DELIVERY_STATUSES
from saas.publishing import dashboard_parent
from saas.publishing import issues as issue_service


class SendScheduleForm(FlaskForm):
    send_at = DateTimeLocalField("Send at", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])


def _issue_or_404(issue_id: int):
    issue = issue_service.get_issue(g.publication, issue_id)
    if issue is None:
        abort(404)
    return issue


def _send_or_404(send_id: int):
    send = sending.get_send(g.publication, send_id)
    if send is None:
        abort(404)
    return send


def _back_to_editor(issue_id: int):
    return redirect(url_for("dashboard.publishing.edit_issue", issue_id=issue_id), 303)


@dashboard_parent.bp.context_processor
def inject_send_helpers() -> dict:
    """Lets the editor show the issue's send without the editor view knowing about sends."""
    return {
        "issue_send": lambda issue: sending.send_for_issue(g.publication, issue.id),
        "active_reader_count": lambda: sending.active_reader_count(g.publication),
        "new_reader_count": lambda send: sending.new_reader_count(g.publication, send),
        # The reader's page shows when the platform-wide list keeps an address from mail.
        "platform_suppression": suppression.entry_for,
    }


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/send-test", methods=["POST"])
def send_test(issue_id: int):
    issue = _issue_or_404(issue_id)
    try:
        address = sending.send_test(g.publication, issue, current_user)
    except sending.SendError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Test sent to {address}. Check your inbox.", "success")
    return _back_to_editor(issue.id)


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/send", methods=["POST"])
def send_issue(issue_id: int):
    issue = _issue_or_404(issue_id)
    try:
        segment = segments.from_form(request.form)
        send = sending.send_now(g.publication, issue, segment)
    except (sending.SendError, segments.SegmentError) as exc:
        flash(str(exc), "error")
        return _back_to_editor(issue.id)
    flash(f"Issue {issue.number} is on its way to your readers.", "success")
    return redirect(url_for("dashboard.delivery.send_status", send_id=send.id), 303)


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/send/schedule", methods=["POST"])
def schedule_send(issue_id: int):
    issue = _issue_or_404(issue_id)
    form = SendScheduleForm()
    if not form.validate_on_submit():
        flash("Choose a valid date and time to send.", "error")
        return _back_to_editor(issue.id)
    local = form.send_at.data.replace(tzinfo=ZoneInfo(g.publication.timezone))
    try:
        segment = segments.from_form(request.form)
        sending.schedule_send(g.publication, issue, local.astimezone(UTC), segment)
    except (sending.SendError, segments.SegmentError) as exc:
        flash(str(exc), "error")
        return _back_to_editor(issue.id)
    flash(f"Sending on {local:%-d %b %Y at %H:%M} ({g.publication.timezone}).", "success")
    return _back_to_editor(issue.id)


@dashboard_bp.route("/<pub_slug>/sends")
def sends():
    raw = request.args.get("page", "1")
    page = sending.list_sends(g.publication, int(raw) if raw.isdigit() and len(raw) < 7 else 1)
    return render_template("delivery/sends.html", page=page, sends=page.rows)


@dashboard_bp.route("/<pub_slug>/sends/<int:send_id>")
def send_status(send_id: int):
    send = _send_or_404(send_id)
    status = request.args.get("status", "")
    status = status if status in DELIVERY_STATUSES else ""
    search = request.args.get("q", "").strip()[:254]
    after = request.args.get("after", 0, type=int)
    page = sending.delivery_page(g.publication, send, status, search, max(after, 0))
    return render_template(
        "delivery/send.html",
        send=send,
        issue=issue_service.get_issue(g.publication, send.issue_id),
        progress=sending.progress(g.publication, send),
        page=page,
        returned=bounce_rates.returned_for([d.id for d in page.items]),
        status=status,
        search=search,
        after=after,
        statuses=DELIVERY_STATUSES,
        send_rates=bounce_rates.for_send(send),
        publication_rates=bounce_rates.for_publication(g.publication.id),
        rate_days=bounce_rates.window_days(),
        hold=sending_holds.current(g.publication.id),
        audience=segments.describe(segments.from_stored(send.segment)),
    )


@dashboard_bp.route("/<pub_slug>/sends/<int:send_id>/progress")
def send_progress(send_id: int):
    send = _send_or_404(send_id)
    return jsonify(sending.progress(g.publication, send).as_dict())


def _act(send_id: int, action, done):
    """Run a send action; flash `done` (or `done(result)`), or the refusal's words."""
    send = _send_or_404(send_id)
    try:
        result = action(g.publication, send)
    except sending.SendError as exc:
        flash(str(exc), "error")
    else:
        flash(done(result) if callable(done) else done, "success")
    return redirect(url_for("dashboard.delivery.send_status", send_id=send_id), 303)


@dashboard_bp.route("/<pub_slug>/sends/<int:send_id>/pause", methods=["POST"])
def pause_send(send_id: int):
    return _act(send_id, sending.pause_send, "Paused. Messages already in flight still arrive.")


@dashboard_bp.route("/<pub_slug>/sends/<int:send_id>/resume", methods=["POST"])
def resume_send(send_id: int):
    return _act(send_id, sending.resume_send, "Resumed where it stopped.")


@dashboard_bp.route("/<pub_slug>/sends/<int:send_id>/new-readers", methods=["POST"])
def send_to_new_readers(send_id: int):
    return _act(
        send_id,
        sending.send_to_new_readers,
        lambda count: f"Sending to {count:,} new reader{'' if count == 1 else 's'}.",
    )


@dashboard_bp.route("/<pub_slug>/sends/<int:send_id>/retry-failed", methods=["POST"])
def retry_failed(send_id: int):
    """Send the failed deliveries of a finished send again."""
    return _act(
        send_id,
        deferrals.retry_failed,
        lambda count: f"Trying {count:,} failed deliver{'y' if count == 1 else 'ies'} again.",
    )


@dashboard_bp.route("/<pub_slug>/sends/<int:send_id>/cancel", methods=["POST"])
def cancel_send(send_id: int):
    return _act(send_id, sending.cancel_scheduled, "Scheduled send cancelled.")
