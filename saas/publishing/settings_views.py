"""Publication settings and its custom domain (owners only)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from saas.publishing import custom_domains, hooks, publications
from saas.publishing.blueprints import dashboard_bp
from saas.publishing.dashboard_parent import require_owner
from saas.publishing.forms import PublicationSettingsForm


def _render_settings(form: PublicationSettingsForm, plan_limit: str | None = None):
    """The settings page, with the custom domain's DNS records and verification state."""
    publication = g.publication
    return render_template(
        "publishing/settings.html",
        form=form,
        plan_limit=plan_limit,
        domain_records=custom_domains.dns_records(publication),
        domain_taken=custom_domains.is_taken_elsewhere(publication),
        platform_host=custom_domains.platform_host(),
    ), (422 if form.errors else 200)


@dashboard_bp.route("/<pub_slug>/settings", methods=["GET", "POST"])
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
        except hooks.Refused as exc:
            form.custom_domain.errors.append(str(exc))
            plan_limit = str(exc)
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("dashboard.publishing.settings"))
    return _render_settings(form, plan_limit)


@dashboard_bp.route("/<pub_slug>/settings/domain/check", methods=["POST"])
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
    return redirect(url_for("dashboard.publishing.settings") + "#custom-domain")
