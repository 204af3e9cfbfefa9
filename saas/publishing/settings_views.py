"""Publication settings and team (owners only)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from saas.billing import limits as billing_limits
from saas.publishing import custom_domains, publications
from saas.publishing.dashboard_parent import bp, require_owner
from saas.publishing.forms import InviteForm, PublicationSettingsForm


def _render_settings(form: PublicationSettingsForm, plan_limit: str | None = None):
    """The settings page, with the custom domain's DNS records and verification state."""
    publication = g.publication
    return render_template(
        "dashboard/settings.html",
        form=form,
        plan_limit=plan_limit,
        domain_records=custom_domains.dns_records(publication),
        domain_taken=custom_domains.is_taken_elsewhere(publication),
        platform_host=custom_domains.platform_host(),
    ), (422 if form.errors else 200)


@bp.route("/<pub_slug>/settings", methods=["GET", "POST"])
def settings():
    """Edit the publication's settings; a new custom domain is stored pending."""
    require_owner()
    form = PublicationSettingsForm(obj=g.publication)
    plan_limit = None
    if form.validate_on_submit():
        try:
            publications.update_settings(
                g.publication,
                custom_domain=form.custom_domain.data or None,
                **{name: form[name].data for name in publications.SETTINGS_FIELDS},
            )
        except publications.DomainTaken:
            form.custom_domain.errors.append("That domain is already in use.")
        except billing_limits.PlanLimitReached as exc:
            form.custom_domain.errors.append(str(exc))
            plan_limit = str(exc)
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("dashboard.settings"))
    return _render_settings(form, plan_limit)


@bp.route("/<pub_slug>/settings/domain/check", methods=["POST"])
def check_custom_domain():
    """Look up the custom domain's TXT record now (CSRF is checked app-wide)."""
    require_owner()
    try:
        custom_domains.verify(g.publication)
    except custom_domains.DomainTaken:
        flash("Another publication has already verified this domain. Choose another.", "error")
    except custom_domains.VerificationFailed as exc:
        flash(str(exc), "error")
    else:
        flash(f"{g.publication.custom_domain} is verified.", "success")
    return redirect(url_for("dashboard.settings") + "#custom-domain")


@bp.route("/<pub_slug>/team", methods=["GET", "POST"])
def team():
    require_owner()
    form = InviteForm()
    if form.validate_on_submit():
        publications.invite_editor(g.publication, current_user, form.email.data)
        flash(f"Invitation sent to {form.email.data}.", "success")
        return redirect(url_for("dashboard.team"))
    return render_template(
        "dashboard/team.html",
        form=form,
        members=publications.members_of(g.publication),
        invitations=publications.pending_invitations(g.publication),
    ), (422 if form.errors else 200)


@bp.route("/<pub_slug>/team/members/<int:membership_id>/remove", methods=["POST"])
def remove_member(membership_id: int):
    require_owner()
    if not publications.remove_member(g.publication, membership_id):
        abort(404)
    flash("Removed from the team.", "success")
    return redirect(url_for("dashboard.team"))


@bp.route("/<pub_slug>/team/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke_invitation(invitation_id: int):
    require_owner()
    if not publications.revoke_invitation(g.publication, invitation_id):
        abort(404)
    flash("Invitation withdrawn.", "success")
    return redirect(url_for("dashboard.team"))
