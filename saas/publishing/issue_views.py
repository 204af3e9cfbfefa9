"""Issue list, editor, live preview, publish / unpublish / schedule / delete."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from saas.core.model_base import utcnow
from saas.publishing import getting_started
from saas.publishing import issues as issue_service
from saas.publishing.blueprints import dashboard_bp
from saas.publishing.forms import BODY_MAX, IssueFilterForm, IssueForm, ScheduleForm
from saas.publishing.models import STATUSES
from saas.publishing.rendering import (
    format_read_time_label,
    format_read_time_short,
    read_seconds,
    render_markdown,
)


def _issue_or_404(issue_id: int):
    issue = issue_service.get_issue(g.publication, issue_id)
    if issue is None:
        abort(404)
    return issue


def _form_fields(form: IssueForm) -> dict:
    fields: dict = {name: form[name].data or "" for name in issue_service.EDITABLE_FIELDS}
    fields["show_offerings"] = bool(form.show_offerings.data)
    return fields


def _cover_upload(form: IssueForm) -> issue_service.CoverUpload | None:
    """The cover image file sent with the form, if one was chosen."""
    upload = form.cover_image_file.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    limit = current_app.config["IMAGE_MAX_BYTES"]
    return issue_service.CoverUpload(upload.read(limit + 1), upload.filename, current_user.id)


@dashboard_bp.route("/<pub_slug>/issues")
def issues():
    filters = IssueFilterForm(request.args)
    filters.validate()
    status = filters.status.data if filters.status.data in STATUSES else None
    raw_page = request.args.get("page", "1")
    page = issue_service.list_issues(
        g.publication,
        status=status,
        search=filters.q.data,
        page=int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 else 1,
    )
    return render_template(
        "publishing/issues.html",
        filters=filters,
        page=page,
        issues=page.items,
        counts=issue_service.status_counts(g.publication),
        status=status,
        checklist=getting_started.checklist(g.publication),
    )


@dashboard_bp.route("/<pub_slug>/issues/new", methods=["GET", "POST"])
def new_issue():
    form = IssueForm()
    if form.validate_on_submit():
        try:
            issue = issue_service.create_issue(
                g.publication, cover=_cover_upload(form), **_form_fields(form)
            )
        except issue_service.IssueSlugTaken:
            form.slug.errors.append("Another issue already uses this slug.")
        except issue_service.CoverRefused as exc:
            form.cover_image_file.errors.append(str(exc))
        else:
            flash("Draft saved.", "success")
            return redirect(url_for("dashboard.publishing.edit_issue", issue_id=issue.id))
    return render_template("publishing/editor.html", form=form, issue=None), (
        422 if form.errors else 200
    )


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>", methods=["GET", "POST"])
def edit_issue(issue_id: int):
    issue = _issue_or_404(issue_id)
    form = IssueForm(obj=issue)
    if form.validate_on_submit():
        try:
            issue_service.update_issue(
                g.publication, issue, cover=_cover_upload(form), **_form_fields(form)
            )
        except issue_service.IssueSlugTaken:
            form.slug.errors.append("Another issue already uses this slug.")
        except issue_service.CoverRefused as exc:
            form.cover_image_file.errors.append(str(exc))
        else:
            action = request.form.get("action")
            if action == "publish":
                issue_service.publish_issue(g.publication, issue.id)
                flash(f"Published as Issue {issue.number}.", "success")
            else:
                flash("Saved.", "success")
            return redirect(url_for("dashboard.publishing.edit_issue", issue_id=issue.id))
    return render_template(
        "publishing/editor.html", form=form, issue=issue, schedule_form=ScheduleForm()
    ), (422 if form.errors else 200)


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/publish", methods=["POST"])
def publish_issue(issue_id: int):
    issue = _issue_or_404(issue_id)
    issue_service.publish_issue(g.publication, issue.id)
    flash(f"Published as Issue {issue.number}.", "success")
    return redirect(url_for("dashboard.publishing.edit_issue", issue_id=issue.id))


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/unpublish", methods=["POST"])
def unpublish_issue(issue_id: int):
    issue = _issue_or_404(issue_id)
    issue_service.unpublish_issue(g.publication, issue)
    flash("Unpublished. It keeps its number if you publish it again.", "success")
    return redirect(url_for("dashboard.publishing.edit_issue", issue_id=issue.id))


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/schedule", methods=["POST"])
def schedule_issue(issue_id: int):
    issue = _issue_or_404(issue_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash("Choose a valid date and time to publish.", "error")
        return redirect(url_for("dashboard.publishing.edit_issue", issue_id=issue.id)), 303
    local = form.publish_at.data.replace(tzinfo=ZoneInfo(g.publication.timezone))
    when = local.astimezone(UTC)
    if when <= utcnow():
        flash("Choose a time in the future.", "error")
        return redirect(url_for("dashboard.publishing.edit_issue", issue_id=issue.id)), 303
    issue_service.schedule_issue(g.publication, issue, when)
    flash(f"Scheduled for {local:%d %b %Y, %H:%M} ({g.publication.timezone}).", "success")
    return redirect(url_for("dashboard.publishing.edit_issue", issue_id=issue.id))


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/delete", methods=["POST"])
def delete_issue(issue_id: int):
    issue = _issue_or_404(issue_id)
    issue_service.delete_issue(g.publication, issue)
    flash("Issue deleted.", "success")
    return redirect(url_for("dashboard.publishing.issues"))


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/preview")
def preview_issue(issue_id: int):
    issue = _issue_or_404(issue_id)
    return render_template(
        "publishing/issue.html",
        publication=g.publication,
        issue=issue,
        preview=True,
        previous=None,
        following=None,
    )


@dashboard_bp.route("/<pub_slug>/preview", methods=["POST"])
def live_preview():
    body = request.form.get("body_markdown", "")
    if len(body) > BODY_MAX:
        return jsonify(error=f"The body is longer than {BODY_MAX:,} characters."), 413
    html = render_markdown(body)
    seconds = read_seconds(html)
    return jsonify(
        html=html,
        read_time=format_read_time_label(seconds),
        read_time_short=format_read_time_short(seconds),
    )
