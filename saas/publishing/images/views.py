"""The dashboard's image routes: the upload endpoint the editor calls, and the image library.

`POST /dashboard/<slug>/images/upload` takes one file (`image`) and answers JSON: the image's
id, the URL and size to insert, every stored width, and Markdown to paste. Like every
dashboard form it needs the CSRF token (the editor sends it as X-CSRFToken), and each
practitioner may upload only so many images a minute.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from saas.core.extensions import db, limiter
from saas.core.images import size_label
from saas.publishing import dashboard_parent
from saas.publishing.images import markup, uploads
from saas.publishing.images.models import Image
from saas.publishing.models import Issue

bp = dashboard_parent.nest("images", __name__)

# Room for the multipart framing and the other fields around the file.
UPLOAD_OVERHEAD = 64 * 1024
STATUS_FOR = {"size": 413, "type": 415, "damaged": 422}


def _uploader_key() -> str:
    return f"image-upload:{current_user.get_id()}"


_upload_limit = limiter.limit("30 per minute; 300 per hour", key_func=_uploader_key)


@bp.url_value_preprocessor
def allow_image_upload(endpoint: str | None, values: dict | None) -> None:
    # URL processors run before the CSRF check reads the body, so the raised limit applies.
    if endpoint == "dashboard.images.upload" and request.method == "POST":
        request.max_content_length = current_app.config["IMAGE_MAX_BYTES"] + UPLOAD_OVERHEAD


def _too_large_message() -> str:
    most = size_label(current_app.config["IMAGE_MAX_BYTES"])
    return f"That image is larger than {most}, the most we accept. Nothing was uploaded."


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    return jsonify(error=_too_large_message()), 413


def alt_from_filename(filename: str) -> str:
    """A first guess at alt text from a file name ("morning-walk.jpg" -> "morning walk")."""
    stem = (filename or "").rsplit(".", 1)[0].replace("_", " ").replace("-", " ")
    return " ".join(stem.split())[:120]


def image_json(image: Image) -> dict:
    """What the editor needs to insert an image."""
    variants = markup.variants_of(image)
    web = variants.web
    alt = alt_from_filename(image.filename)
    return {
        "id": image.id,
        "url": web.url,
        "width": web.width,
        "height": web.height,
        "alt": alt,
        "markdown": f"![{alt}]({web.url})",
        "variants": [{"url": s.url, "width": s.width, "height": s.height} for s in variants.sizes],
    }


def _issue_or_404(raw: str | None) -> Issue | None:
    if not raw:
        return None
    if not raw.isdigit():
        abort(404)
    issue = db.session.scalar(
        select(Issue).where(Issue.id == int(raw), Issue.publication_id == g.publication.id)
    )
    if issue is None:
        abort(404)
    return issue


@bp.route("/<pub_slug>/images/upload", methods=["POST"])
@_upload_limit
def upload():
    upload_file = request.files.get("image")
    if upload_file is None:
        return jsonify(error="Choose an image to upload."), 400
    data = upload_file.read(current_app.config["IMAGE_MAX_BYTES"] + 1)
    issue = _issue_or_404(request.form.get("issue_id"))
    try:
        image = uploads.store_image(
            g.publication,
            data,
            upload_file.filename or "",
            issue=issue,
            uploaded_by_id=current_user.id,
        )
    except uploads.ImageRefused as exc:
        return jsonify(error=str(exc)), STATUS_FOR.get(exc.reason, 422)
    except uploads.QuotaReached as exc:
        return jsonify(error=str(exc)), 403
    except uploads.StorageUnavailable:
        current_app.logger.exception("image storage failed")
        return jsonify(error="The image could not be stored just now. Try again."), 503
    return jsonify(image_json(image)), 201


@bp.route("/<pub_slug>/images")
def library():
    images = uploads.list_images(g.publication)
    return render_template(
        "publishing/images.html",
        images=[(image, markup.variants_of(image)) for image in images],
        used=uploads.storage_used(g.publication),
        quota=uploads.storage_quota(g.publication),
        max_size=size_label(current_app.config["IMAGE_MAX_BYTES"]),
        size_label=size_label,
    )


@bp.route("/<pub_slug>/images/<int:image_id>/delete", methods=["POST"])
def delete(image_id: int):
    image = uploads.get_image(g.publication, image_id)
    if image is None:
        abort(404)
    try:
        uploads.delete_image(g.publication, image)
    except uploads.StorageUnavailable:
        current_app.logger.exception("image deletion failed")
        flash("The image could not be deleted just now. Try again.", "error")
        return redirect(url_for("dashboard.images.library")), 303
    flash("Image deleted. Issues that show it now show nothing in its place.", "success")
    return redirect(url_for("dashboard.images.library")), 303
