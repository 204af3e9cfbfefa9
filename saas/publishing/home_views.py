"""Dashboard home: the practitioner's publications, and creating a new one."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from saas.publishing import hooks, publications
from saas.publishing.blueprints import dashboard_bp
from saas.publishing.forms import NewPublicationForm


@dashboard_bp.route("/")
def home():
    mine = publications.publications_for(current_user)
    if len(mine) == 1:
        publication = mine[0][0]
        return redirect(url_for(hooks.landing_endpoint(publication), pub_slug=publication.slug))
    return render_template("publishing/publications.html", publications=mine)


@dashboard_bp.route("/new", methods=["GET", "POST"])
def new_publication():
    form = NewPublicationForm()
    plan_limit = hooks.refusal_for_new_publication(current_user.id)
    if plan_limit is None and form.validate_on_submit():
        try:
            publication = publications.create_publication(
                current_user, name=form.name.data.strip(), tagline=(form.tagline.data or "").strip()
            )
        except publications.SlugTaken:
            # Someone took the same address in the same instant: asking again finds the next.
            form.name.errors.append("Something went wrong saving it. Please try again.")
        except hooks.Refused as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"{publication.name} is ready. Here is how to get started.", "success")
            return redirect(url_for("dashboard.publishing.issues", pub_slug=publication.slug))
    refused = plan_limit is not None and request.method == "POST"
    return render_template("publishing/new_publication.html", form=form, plan_limit=plan_limit), (
        403 if refused else 422 if form.errors else 200
    )


@dashboard_bp.route("/<pub_slug>/")
def publication_home():
    return redirect(url_for(hooks.landing_endpoint(g.publication)))
