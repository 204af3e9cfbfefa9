"""Ops console views: operators only; everyone else gets 404, as if it did not exist."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from saas.delivery import suppression
from saas.ops import console as ops
from saas.ops import payments_setup
from saas.ops import queues as queues_admin

bp = Blueprint("ops", __name__, url_prefix="/ops")


@bp.url_value_preprocessor
def operators_only(endpoint, values) -> None:
    # Runs before every before_request hook (CSRF included): nobody else learns /ops exists.
    if not (current_user.is_authenticated and current_user.is_operator):
        abort(404)


@bp.route("/")
def tenants():
    return render_template(
        "ops/tenants.html",
        tenants=ops.tenant_overview(current_user),
        flag_rate=ops.COMPLAINT_FLAG_RATE,
        pause_rate=current_app.config["COMPLAINT_PAUSE_RATE"],
    )


@bp.route("/publications/<int:publication_id>/suspend", methods=["POST"])
def suspend(publication_id: int):
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash("Give a reason: the publication's owner will see it.", "error")
        return redirect(url_for("ops.tenants"))
    if ops.suspend(current_user, publication_id, reason) is None:
        abort(404)
    flash("Publication suspended.", "success")
    return redirect(url_for("ops.tenants"))


@bp.route("/publications/<int:publication_id>/unsuspend", methods=["POST"])
def unsuspend(publication_id: int):
    if ops.unsuspend(current_user, publication_id) is None:
        abort(404)
    flash("Publication restored.", "success")
    return redirect(url_for("ops.tenants"))


@bp.route("/publications/<int:publication_id>/lift-hold", methods=["POST"])
def lift_hold(publication_id: int):
    if ops.lift_hold(current_user, publication_id) is None:
        abort(404)
    flash("Sending pause lifted. The owner can resume their paused sends.", "success")
    return redirect(url_for("ops.tenants"))


@bp.route("/suppressions")
def suppressions():
    return render_template("ops/suppressions.html", entries=suppression.listing())


@bp.route("/suppressions", methods=["POST"])
def add_suppression():
    address = (request.form.get("address") or "").strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or len(address) > 254 or " " in address:
        flash("Give an address (name@example.com) or a role on every domain (abuse@).", "error")
        return redirect(url_for("ops.suppressions"))
    ops.suppress_address(current_user, address, (request.form.get("note") or "").strip())
    flash(f"{address} is suppressed for every publication.", "success")
    return redirect(url_for("ops.suppressions"))


@bp.route("/suppressions/<int:entry_id>/remove", methods=["POST"])
def remove_suppression(entry_id: int):
    if ops.lift_suppression(current_user, entry_id) is None:
        abort(404)
    flash("Suppression lifted.", "success")
    return redirect(url_for("ops.suppressions"))


@bp.route("/queues")
def queues():
    return render_template(
        "ops/queues.html",
        states=queues_admin.queue_states(),
        workers=queues_admin.workers(),
        failed=queues_admin.failed_jobs(),
    )


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
def retry_job(job_id: str):
    if not queues_admin.retry_failed(current_user, job_id):
        abort(404)
    flash("Job re-queued.", "success")
    return redirect(url_for("ops.queues"))


@bp.route("/jobs/<job_id>/delete", methods=["POST"])
def delete_job(job_id: str):
    if not queues_admin.delete_failed(current_user, job_id):
        abort(404)
    flash("Job deleted.", "success")
    return redirect(url_for("ops.queues"))


@bp.route("/payments")
def payments():
    return render_template("ops/payments.html", setup=payments_setup.payments_setup())


@bp.route("/audit")
def audit():
    return render_template("ops/audit.html", entries=ops.audit_log())
