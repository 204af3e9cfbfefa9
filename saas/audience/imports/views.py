"""Subscriber import and export: upload a CSV, watch it run, read what was rejected, export."""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from saas.audience.blueprints import dashboard_bp
from saas.audience.imports import exports
from saas.audience.imports import progress as progress_service
from saas.audience.imports import uploads as imports
from saas.audience.imports.forms import ImportForm
from saas.audience.models import SUBSCRIBER_STATUSES
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to

REJECTIONS_PER_PAGE = 200
UPLOAD_OVERHEAD = 64 * 1024  # multipart boundaries and the other form fields


@dashboard_bp.url_value_preprocessor
def allow_csv_upload(endpoint: str | None, values: dict | None) -> None:
    # URL processors run before the CSRF check reads the body, so the raised limit applies.
    if endpoint == "dashboard.audience.import_subscribers" and request.method == "POST":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + UPLOAD_OVERHEAD


def _import_or_404(import_id: int, **kwargs):
    import_ = imports.get_import(g.publication, import_id, **kwargs)
    if import_ is None:
        abort(404)
    return import_


def _csv_response(chunks: Iterator[str], filename: str) -> Response:
    publication_id = g.publication.id

    def bound() -> Iterator[str]:
        # The body streams after the request's session is gone; bind the one it reads with.
        with bound_to(publication_id):
            yield from chunks

    return Response(
        stream_with_context(bound()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@dashboard_bp.route("/<pub_slug>/subscribers/import", methods=["GET", "POST"])
def import_subscribers():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        try:
            import_ = imports.start_import(
                g.publication,
                upload.filename or "",
                content,
                ask_to_confirm=form.ask_to_confirm.data,
                tag_name=form.tag.data or "",
            )
        except imports.ImportRefused as exc:
            form.file.errors.append(str(exc))
        else:
            return redirect(url_for("dashboard.audience.import_status", import_id=import_.id), 303)
    return render_template(
        "audience/import.html",
        form=form,
        recent=imports.recent_imports(g.publication),
        max_mb=current_app.config["IMPORT_MAX_BYTES"] / 1_048_576,
        format_label=progress_service.format_label,
    ), (422 if form.errors else 200)


@dashboard_bp.route("/<pub_slug>/imports/<int:import_id>")
def import_status(import_id: int):
    import_ = _import_or_404(import_id, rejections=True)
    pages = max(1, -(-len(import_.rejections) // REJECTIONS_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    start = (page - 1) * REJECTIONS_PER_PAGE
    return render_template(
        "audience/import_status.html",
        import_=import_,
        progress=progress_service.progress(import_),
        format_label=progress_service.format_label(import_),
        rejections=import_.rejections[start : start + REJECTIONS_PER_PAGE],
        page=page,
        pages=pages,
    )


@dashboard_bp.route("/<pub_slug>/imports/<int:import_id>/progress")
def import_progress(import_id: int):
    response = jsonify(progress_service.progress(_import_or_404(import_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@dashboard_bp.route("/<pub_slug>/imports/<int:import_id>/rejections.csv")
def import_rejections(import_id: int):
    import_ = _import_or_404(import_id, rejections=True)
    return _csv_response(
        exports.rejections_csv(import_), f"{g.publication.slug}-import-{import_.id}-rejected.csv"
    )


@dashboard_bp.route("/<pub_slug>/subscribers/export.csv")
def export_subscribers():
    status = request.args.get("status") or None
    if status is not None and status not in SUBSCRIBER_STATUSES:
        abort(404)
    suffix = f"-{status}" if status else ""
    return _csv_response(
        exports.subscriber_csv(g.publication, status),
        f"{g.publication.slug}-subscribers{suffix}-{utcnow():%Y-%m-%d}.csv",
    )
