"""Saving the send form's segment under a name, and forgetting a saved one."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for

from saas.delivery import saved_segments, segments
from saas.delivery.blueprints import dashboard_bp
from saas.delivery.segment_views import back_to_editor
from saas.publishing import issues as issue_service


def _issue_id_or_404(issue_id: int) -> int:
    if issue_service.get_issue(g.publication, issue_id) is None:
        abort(404)
    return issue_id


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/segments/save", methods=["POST"])
def save_segment(issue_id: int):
    _issue_id_or_404(issue_id)
    try:
        segment = segments.from_form(request.form)
        saved = saved_segments.save(g.publication, request.form.get("segment_name", ""), segment)
    except segments.SegmentError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Saved as “{saved.name}”.", "success")
    return back_to_editor(issue_id, request.form)


@dashboard_bp.route("/<pub_slug>/issues/<int:issue_id>/segments/forget", methods=["POST"])
def forget_segment(issue_id: int):
    _issue_id_or_404(issue_id)
    raw = request.form.get("saved", "")
    if not (raw.isdigit() and len(raw) < 10 and saved_segments.forget(g.publication, int(raw))):
        flash("Choose a saved segment to forget.", "error")
    else:
        flash("Saved segment forgotten. Sends made with it keep their own copy.", "success")
    return redirect(
        url_for("dashboard.publishing.edit_issue", issue_id=issue_id) + "#send-heading", 303
    )
