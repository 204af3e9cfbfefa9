"""Dashboard pages for back issues (owners, under settings): upload, preview, progress, report."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from saas.publishing.back_issues import plan as planning
from saas.publishing.back_issues import progress as progress_service
from saas.publishing.back_issues import run
from saas.publishing.back_issues.forms import BackIssueImportForm
from saas.publishing.back_issues.models import PREVIEW
from saas.publishing.back_issues.sources import SourceRefused
from saas.publishing.blueprints import dashboard_bp
from saas.publishing.dashboard_parent import require_owner

UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries and the other form fields


@dashboard_bp.url_value_preprocessor
def allow_export_upload(endpoint: str | None, values: dict | None) -> None:
    # URL processors run before the CSRF check reads the body, so the raised limit applies.
    if endpoint == "dashboard.publishing.import_back_issues" and request.method == "POST":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + UPLOAD_OVERHEAD


def _import_or_404(back_import_id: int, **kwargs):
    require_owner()
    import_ = run.get_import(g.publication, back_import_id, **kwargs)
    if import_ is None:
        abort(404)
    return import_


def _store(form: BackIssueImportForm):
    fetch_images = bool(form.fetch_images.data)
    if form.file.data:
        upload = form.file.data
        content = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        return run.store_export(
            g.publication, upload.filename or "", content, fetch_images=fetch_images
        )
    return run.store_feed(g.publication, form.feed_url.data.strip(), fetch_images=fetch_images)


@dashboard_bp.route("/<pub_slug>/settings/import", methods=["GET", "POST"])
def import_back_issues():
    require_owner()
    form = BackIssueImportForm()
    if form.validate_on_submit():
        try:
            import_ = _store(form)
        except SourceRefused as exc:
            target = form.file if form.file.data else form.feed_url
            target.errors.append(str(exc))
        else:
            return redirect(
                url_for("dashboard.publishing.back_issue_import", back_import_id=import_.id), 303
            )
    return render_template(
        "publishing/back_issues/start.html",
        form=form,
        recent=run.recent_imports(g.publication),
        max_mb=current_app.config["IMPORT_MAX_BYTES"] / 1_048_576,
        format_label=progress_service.format_label,
    ), (422 if form.errors else 200)


@dashboard_bp.route("/<pub_slug>/settings/import/<int:back_import_id>")
def back_issue_import(back_import_id: int):
    import_ = _import_or_404(back_import_id, content=True)
    plan, plan_error = None, ""
    if import_.status == PREVIEW:
        try:
            plan = planning.plan(g.publication, import_)
        except SourceRefused as exc:
            plan_error = str(exc)
    return render_template(
        "publishing/back_issues/import.html",
        import_=import_,
        plan=plan,
        plan_error=plan_error,
        progress=progress_service.progress(import_),
        format_label=progress_service.format_label(import_),
    )


@dashboard_bp.route("/<pub_slug>/settings/import/<int:back_import_id>/start", methods=["POST"])
def start_back_issue_import(back_import_id: int):
    import_ = _import_or_404(back_import_id)
    run.queue_import(g.publication, import_)
    return redirect(
        url_for("dashboard.publishing.back_issue_import", back_import_id=back_import_id), 303
    )


@dashboard_bp.route("/<pub_slug>/settings/import/<int:back_import_id>/progress")
def back_issue_import_progress(back_import_id: int):
    response = jsonify(progress_service.progress(_import_or_404(back_import_id)))
    response.headers["Cache-Control"] = "no-store"
    return response
