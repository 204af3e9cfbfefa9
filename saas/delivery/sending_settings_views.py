"""Settings > Sending (owners only): the sending domain, its DNS records and the inbox checklist."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from saas.billing import limits as billing_limits
from saas.billing.limits import PlanLimitReached
from saas.core.validators import EmailAddress
from saas.delivery import inbox_requirements, sending_domains
from saas.delivery.blueprints import dashboard_bp
from saas.delivery.domain_checks import return_path_host
from saas.delivery.models import DOMAIN_VERIFIED
from saas.delivery.sending_domains import SendingDomainError
from saas.mail.senders import platform_address
from saas.publishing.dashboard_parent import require_owner


class SendingDomainForm(FlaskForm):
    from_address = StringField(
        "From address",
        validators=[DataRequired(), Length(max=254), EmailAddress()],
        description="An address on your own domain, such as letters@news.example.com.",
    )


def _here(anchor: str = ""):
    return redirect(url_for("dashboard.delivery.sending_settings") + anchor, 303)


def _last_check(domain, record) -> dict:
    for check in domain.checks or []:
        if check.get("kind") == record.kind and check.get("selector", "") == record.selector:
            return check
    return {}


def _page(form: SendingDomainForm, plan_limit: str | None = None):
    publication = g.publication
    domain = sending_domains.get(publication)
    records = sending_domains.records(domain) if domain else []
    return render_template(
        "delivery/sending_settings.html",
        form=form,
        plan_limit=plan_limit,
        domain=domain,
        keys=sending_domains.keys(domain) if domain else [],
        records=[(record, _last_check(domain, record)) for record in records],
        in_use=sending_domains.sender_for(publication) is not None,
        plan_refusal=billing_limits.sending_domain_refusal(publication),
        checklist=inbox_requirements.checklist(publication),
        platform_address=platform_address(),
        return_path_host=return_path_host(),
    ), (422 if form.errors else 200)


@dashboard_bp.route("/<pub_slug>/settings/sending", methods=["GET", "POST"])
def sending_settings():
    """Set the From address on the practitioner's own domain; see its state and records."""
    require_owner()
    domain = sending_domains.get(g.publication)
    form = SendingDomainForm(from_address=domain.from_address if domain else None)
    plan_limit = None
    if form.validate_on_submit():
        try:
            sending_domains.set_up(g.publication, form.from_address.data)
        except SendingDomainError as exc:
            form.from_address.errors.append(str(exc))
        except PlanLimitReached as exc:
            form.from_address.errors.append(str(exc))
            plan_limit = str(exc)
        else:
            flash("Saved. Create the DNS records below, then check them.", "success")
            return _here("#dns-records")
    return _page(form, plan_limit)


@dashboard_bp.route("/<pub_slug>/settings/sending/check", methods=["POST"])
def check_sending_domain():
    """Look up the domain's records now (CSRF is checked app-wide)."""
    require_owner()
    try:
        domain = sending_domains.check_now(g.publication)
    except SendingDomainError as exc:
        flash(str(exc), "error")
        return _here()
    refusal = billing_limits.sending_domain_refusal(g.publication)
    if sending_domains.sender_for(g.publication) is not None:
        flash(f"Issues go out from {domain.from_address}, signed by {domain.domain}.", "success")
    elif refusal is not None and domain.status == DOMAIN_VERIFIED:
        flash(refusal, "error")
    else:
        flash("Checked. The records below say what is still missing or wrong.", "error")
    return _here("#dns-records")


@dashboard_bp.route("/<pub_slug>/settings/sending/rotate", methods=["POST"])
def rotate_sending_key():
    """Make the next DKIM key, to publish before the domain switches to it."""
    require_owner()
    try:
        key = sending_domains.start_rotation(g.publication)
    except SendingDomainError as exc:
        flash(str(exc), "error")
    else:
        flash(
            f"New key made. Publish its record ({key.selector}), then check DNS: Tend switches "
            "to it once it is seen.",
            "success",
        )
    return _here("#dns-records")


@dashboard_bp.route("/<pub_slug>/settings/sending/remove", methods=["POST"])
def remove_sending_domain():
    """Go back to sending from the platform's address."""
    require_owner()
    sending_domains.remove(g.publication)
    flash(f"Issues go out from {platform_address()} again.", "success")
    return _here()
