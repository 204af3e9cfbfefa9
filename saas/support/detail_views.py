"""One support request: its answers and timeline, stage moves, notes, email answers, erasure."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from saas.core.extensions import db
from saas.publishing.models import Issue
from saas.support import form_settings as support_forms
from saas.support import pipeline as support_pipeline
from saas.support import queries as support_queries
from saas.support import signals as support_signals
from saas.support.access import require_support_access
from saas.support.blueprints import dashboard_bp
from saas.support.dashboard_forms import AnswerForm, DeleteForm, NoteForm
from saas.support.models import STAGES


def _request_or_404(request_id: int):
    require_support_access()
    found = support_pipeline.get_request(g.publication, request_id)
    if found is None:
        abort(404)
    return found


def _back(request_id: int, anchor: str = ""):
    return redirect(
        url_for("dashboard.support.support_detail", request_id=request_id) + anchor, 303
    )


@dashboard_bp.route("/<pub_slug>/support/<int:request_id>")
def support_detail(request_id: int, note_form=None, answer_form=None, status: int = 200):
    support_request = _request_or_404(request_id)
    events = support_pipeline.timeline(g.publication, support_request)
    issue = (
        db.session.get(Issue, support_request.source_issue_id)
        if support_request.source_issue_id
        else None
    )
    return render_template(
        "support/detail.html",
        req=support_request,
        events=events,
        authors=support_pipeline.authors(events),
        issue=issue,
        others=support_queries.same_address(g.publication, support_request),
        labels=support_pipeline.STAGE_LABELS,
        contact_labels=support_pipeline.CONTACT_LABELS,
        stages=STAGES,
        definition=support_forms.get_form(g.publication),
        note_form=note_form or NoteForm(formdata=None),
        answer_form=answer_form or AnswerForm(formdata=None),
        additions=support_signals.additions(g.publication, support_request),
        chosen_additions=request.form.getlist("add") if answer_form else [],
        delete_form=DeleteForm(formdata=None),
    ), status


@dashboard_bp.route("/<pub_slug>/support/<int:request_id>/stage", methods=["POST"])
def move_support_request(request_id: int):
    support_request = _request_or_404(request_id)
    stage = request.form.get("stage", "")
    if stage not in STAGES:
        abort(400)
    if support_pipeline.move(g.publication, support_request, stage, current_user):
        flash(f"Moved to {support_pipeline.STAGE_LABELS[stage]}.", "success")
    if request.form.get("back") == "board":
        return redirect(url_for("dashboard.support.support_board"), 303)
    return _back(request_id)


# What a practitioner can add to a request's timeline: the form that takes it, by field name.
_TIMELINE_FORMS = {"note": NoteForm, "answer": AnswerForm}


def _add_to_timeline(request_id: int, kind: str, add: Callable[..., object], done: str):
    """Validate the note or answer form and `add` its text to the timeline; 422 on errors."""
    support_request = _request_or_404(request_id)
    form = _TIMELINE_FORMS[kind]()
    if not form.validate_on_submit():
        return support_detail(request_id, status=422, **{f"{kind}_form": form})
    add(g.publication, support_request, form[kind].data, current_user)
    flash(done, "success")
    return _back(request_id, "#timeline")


@dashboard_bp.route("/<pub_slug>/support/<int:request_id>/notes", methods=["POST"])
def add_support_note(request_id: int):
    return _add_to_timeline(request_id, "note", support_pipeline.add_note, "Note saved.")


def _answer_with_additions(publication, support_request, text: str, author):
    """Send the answer with the additions the practitioner ticked (a booking link) below it."""
    chosen = set(request.form.getlist("add"))
    offered = support_signals.additions(publication, support_request)
    extra = [addition.text for addition in offered if addition.key in chosen]
    if extra:
        text = "\n\n".join([text.rstrip(), *extra])
    return support_pipeline.answer_by_email(publication, support_request, text, author)


@dashboard_bp.route("/<pub_slug>/support/<int:request_id>/answer", methods=["POST"])
def answer_support_request(request_id: int):
    return _add_to_timeline(
        request_id, "answer", _answer_with_additions, "Your answer is on its way."
    )


@dashboard_bp.route("/<pub_slug>/support/<int:request_id>/delete", methods=["POST"])
def delete_support_request(request_id: int):
    support_request = _request_or_404(request_id)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    doomed = [support_request]
    if form.also_same_address.data:
        doomed += support_queries.same_address(g.publication, support_request)
    erased = support_pipeline.erase(g.publication, doomed)
    flash(
        "The request and everything stored with it are erased."
        if erased == 1
        else f"{erased} requests from this reader and everything stored with them are erased.",
        "success",
    )
    return redirect(url_for("dashboard.support.support_board"), 303)
