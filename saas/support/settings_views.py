"""The support form builder (owners only): wording, fields, own questions, handling, sharing."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from saas.core.links import absolute_public_url, external_url
from saas.publishing.dashboard_parent import require_owner
from saas.support import form_settings as support_forms
from saas.support.blueprints import dashboard_bp
from saas.support.dashboard_forms import EXTRA_QUESTION_ROWS, SupportSettingsForm
from saas.support.form_settings import InvalidField


def _questions_from_rows(form: SupportSettingsForm) -> list[dict] | None:
    """The questions the rows describe, in order; None (with row errors) when one is wrong."""
    ordered = []
    ok = True
    for index, entry in enumerate(form.questions.entries):
        row = entry.form
        if row.remove.data or (not (row.label.data or "").strip() and not row.key.data):
            continue
        try:
            question = support_forms.build_custom_field(
                row.key.data or "",
                row.type.data,
                row.label.data or "",
                row.help.data or "",
                row.required.data,
                row.options.data or "",
            )
        except InvalidField as error:
            row.label.errors = [*row.label.errors, str(error)]
            ok = False
            continue
        position = row.position.data if row.position.data is not None else 1000 + index
        ordered.append((position, index, question))
    if not ok:
        return None
    return [question for _, _, question in sorted(ordered, key=lambda item: item[:2])]


def _snippet(publication) -> tuple[str, str]:
    frame_url = absolute_public_url(publication, "public.support.embed_support")
    script_url = external_url("static", filename="js/embed.js")
    title = publication.name.replace('"', "")
    return frame_url, (
        f'<div data-tend-embed="{frame_url}" data-title="Ask {title} for support"></div>\n'
        f'<script src="{script_url}" async></script>'
    )


@dashboard_bp.route("/<pub_slug>/support/settings", methods=["GET", "POST"])
def support_settings():
    require_owner()
    definition = support_forms.get_form(g.publication)
    form = SupportSettingsForm(obj=definition)
    if form.validate_on_submit():
        questions = _questions_from_rows(form)
        if questions is not None:
            try:
                support_forms.save_settings(
                    g.publication,
                    questions,
                    **{name: form[name].data for name in support_forms.SETTINGS_FIELDS},
                )
            except InvalidField as error:
                form.questions.errors = [str(error)]
            else:
                flash("Support form saved.", "success")
                return redirect(url_for("dashboard.support.support_settings"), 303)
    elif not form.is_submitted():
        for question in definition.custom_fields or []:
            form.questions.append_entry(
                {**question, "options": "\n".join(question.get("options") or [])}
            )
        for _ in range(EXTRA_QUESTION_ROWS):
            form.questions.append_entry()
    frame_url, snippet = _snippet(g.publication)
    return render_template(
        "support/settings.html",
        form=form,
        support_page=absolute_public_url(g.publication, "public.support.support"),
        frame_url=frame_url,
        snippet=snippet,
        max_questions=support_forms.MAX_CUSTOM_FIELDS,
    ), (422 if form.errors or form.is_submitted() else 200)
