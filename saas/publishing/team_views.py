"""The team page (owners only): members and open invitations; and accepting an invitation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from saas.core.tokens import InvalidToken
from saas.publishing import team as team_service
from saas.publishing.blueprints import dashboard_bp
from saas.publishing.dashboard_parent import require_owner
from saas.publishing.forms import InviteForm

# The link in an invitation email: `/invitations/<token>`, outside any publication's URL.
invitations_bp = Blueprint("invitations", __name__)


@dashboard_bp.route("/<pub_slug>/team", methods=["GET", "POST"])
def team():
    require_owner()
    form = InviteForm()
    if form.validate_on_submit():
        team_service.invite_editor(g.publication, current_user, form.email.data)
        flash(f"Invitation sent to {form.email.data}.", "success")
        return redirect(url_for("dashboard.publishing.team"))
    return render_template(
        "publishing/team.html",
        form=form,
        members=team_service.members_of(g.publication),
        invitations=team_service.pending_invitations(g.publication),
    ), (422 if form.errors else 200)


@dashboard_bp.route("/<pub_slug>/team/members/<int:membership_id>/remove", methods=["POST"])
def remove_member(membership_id: int):
    require_owner()
    if not team_service.remove_member(g.publication, membership_id):
        abort(404)
    flash("Removed from the team.", "success")
    return redirect(url_for("dashboard.publishing.team"))


@dashboard_bp.route("/<pub_slug>/team/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke_invitation(invitation_id: int):
    require_owner()
    if not team_service.revoke_invitation(g.publication, invitation_id):
        abort(404)
    flash("Invitation withdrawn.", "success")
    return redirect(url_for("dashboard.publishing.team"))


@invitations_bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    try:
        invitation = team_service.invitation_from_token(token)
    except InvalidToken:
        return render_template("accounts/link_invalid.html"), 400
    if request.method == "POST":
        try:
            publication = team_service.accept_invitation(token, current_user)
        except InvalidToken:
            return render_template("accounts/link_invalid.html", wrong_account=True), 400
        flash(f"You can now edit {publication.name}.", "success")
        return redirect(url_for("dashboard.publishing.issues", pub_slug=publication.slug))
    return render_template("publishing/accept_invitation.html", invitation=invitation)
