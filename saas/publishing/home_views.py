"""Dashboard home: the practitioner's publications, and creating a new one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from saas.publishing import hooks, publications
from saas.publishing.blueprints import dashboard_bp
from saas.publishing.forms import NewPublicationForm


@dashboard_bp.route("/")
def home():
    mine = publications.publications_for(current_user)
    if len(mine) == 1:
        return redirect(url_for("dashboard.publishing.issues", pub_slug=mine[0][0].slug))
    return render_template("publishing/publications.html", publications=mine)


@dashboard_bp.route("/new", methods=["GET", "POST"])
def new_publication():
    form = NewPublicationForm()
    plan_limit = hooks.refusal_for_new_publication(current_user.id)
    if plan_limit is None and form.validate_on_submit():
        if not publications.slug_available(form.slug.data):
            form.slug.errors.append("That address is taken. Try another.")
        elif form.custom_domain.data and not publications.domain_available(form.custom_domain.data):
            form.custom_domain.errors.append("That domain is already in use.")
        else:
            try:
                publication = publications.create_publication(
                    current_user,
                    slug=form.slug.data,
                    custom_domain=form.custom_domain.data or None,
                    **{name: form[name].data for name in publications.SETTINGS_FIELDS},
                )
            except publications.SlugTaken:
                form.slug.errors.append("That address is taken. Try another.")
            except hooks.Refused as exc:
                form.custom_domain.errors.append(str(exc))
            else:
                flash(f"{publication.name} is ready. Write your first issue.", "success")
                return redirect(url_for("dashboard.publishing.issues", pub_slug=publication.slug))
    refused = plan_limit is not None and request.method == "POST"
    return render_template("publishing/new_publication.html", form=form, plan_limit=plan_limit), (
        403 if refused else 422 if form.errors else 200
    )


@dashboard_bp.route("/<pub_slug>/")
def publication_home():
    return redirect(url_for("dashboard.publishing.issues"))
