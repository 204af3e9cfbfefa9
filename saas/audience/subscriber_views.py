"""The practitioner's list: browse, search, filter, add, tag, unsubscribe, put a bounced reader
back (un-suppress, confirmed), erase, export one."""

from __future__ import annotations

import json

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from saas.audience import status_counts, subscriber_queries, subscribers, tags
from saas.audience.blueprints import dashboard_bp
from saas.audience.models import SUBSCRIBER_STATUSES
from saas.audience.subscriber_forms import AddSubscriberForm, TagForm


def _subscriber_or_404(subscriber_id: int):
    subscriber = subscriber_queries.get(g.publication, subscriber_id)
    if subscriber is None:
        abort(404)
    return subscriber


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@dashboard_bp.route("/<pub_slug>/subscribers", endpoint="subscribers")
def subscribers_list():
    status = request.args.get("status", "")
    status = status if status in SUBSCRIBER_STATUSES else None
    search = (request.args.get("q") or "").strip()[:200] or None
    sort = request.args.get("sort", "newest")
    page = subscriber_queries.list_page(
        g.publication,
        status=status,
        tag_id=_int_arg("tag"),
        search=search,
        sort=sort,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    return render_template(
        "audience/subscribers.html",
        page=page,
        counts=status_counts.counts(g.publication),
        all_tags=subscriber_queries.all_tags(g.publication),
        status=status,
        search=search or "",
        sort=sort,
        tag_id=_int_arg("tag"),
        statuses=SUBSCRIBER_STATUSES,
    )


@dashboard_bp.route("/<pub_slug>/subscribers/new", methods=["GET", "POST"])
def add_subscriber():
    form = AddSubscriberForm()
    if form.validate_on_submit():
        subscriber, created = subscribers.add_manually(
            g.publication,
            form.email.data,
            form.name.data or "",
            ask_to_confirm=form.ask_to_confirm.data,
            note=form.consent_note.data,
        )
        if not created:
            form.email.errors.append("This address is already on your list.")
        else:
            names = tags.parse_tag_names(form.tags.data or "")
            if names:
                tags.add_tags(g.publication, subscriber, names)
            flash(f"Added {subscriber.email}.", "success")
            return redirect(
                url_for("dashboard.audience.subscriber_detail", subscriber_id=subscriber.id)
            )
    return render_template("audience/subscriber_new.html", form=form), (422 if form.errors else 200)


@dashboard_bp.route("/<pub_slug>/subscribers/<int:subscriber_id>")
def subscriber_detail(subscriber_id: int):
    subscriber = _subscriber_or_404(subscriber_id)
    return render_template(
        "audience/subscriber_detail.html",
        subscriber=subscriber,
        history=subscriber_queries.history(g.publication, subscriber),
        tag_form=TagForm(),
    )


@dashboard_bp.route("/<pub_slug>/subscribers/<int:subscriber_id>/tags", methods=["POST"])
def tag_subscriber(subscriber_id: int):
    subscriber = _subscriber_or_404(subscriber_id)
    form = TagForm()
    if form.validate_on_submit():
        tags.add_tags(g.publication, subscriber, tags.parse_tag_names(form.tags.data))
        flash("Tags saved.", "success")
    else:
        flash("Enter at least one tag.", "error")
    return redirect(url_for("dashboard.audience.subscriber_detail", subscriber_id=subscriber.id))


@dashboard_bp.route(
    "/<pub_slug>/subscribers/<int:subscriber_id>/tags/<int:tag_id>/remove", methods=["POST"]
)
def untag_subscriber(subscriber_id: int, tag_id: int):
    subscriber = _subscriber_or_404(subscriber_id)
    if not tags.remove_tag(g.publication, subscriber, tag_id):
        abort(404)
    flash("Tag removed.", "success")
    return redirect(url_for("dashboard.audience.subscriber_detail", subscriber_id=subscriber.id))


@dashboard_bp.route("/<pub_slug>/subscribers/<int:subscriber_id>/unsubscribe", methods=["POST"])
def unsubscribe_subscriber(subscriber_id: int):
    subscriber = _subscriber_or_404(subscriber_id)
    subscribers.unsubscribe(g.publication, subscriber.id, "by the practitioner")
    flash(f"{subscriber.email} is unsubscribed.", "success")
    return redirect(url_for("dashboard.audience.subscriber_detail", subscriber_id=subscriber.id))


@dashboard_bp.route("/<pub_slug>/subscribers/<int:subscriber_id>/unsuppress", methods=["POST"])
def unsuppress_subscriber(subscriber_id: int):
    subscriber = _subscriber_or_404(subscriber_id)
    back = redirect(url_for("dashboard.audience.subscriber_detail", subscriber_id=subscriber.id))
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm the address works again.", "error")
        return back
    if subscribers.unsuppress(g.publication, subscriber.id, current_user.email) is None:
        flash("Only a reader suppressed for bouncing can be put back.", "error")
        return back
    flash(f"{subscriber.email} is back on the list and gets your next issue.", "success")
    return back


@dashboard_bp.route("/<pub_slug>/subscribers/<int:subscriber_id>/delete", methods=["POST"])
def delete_subscriber(subscriber_id: int):
    subscriber = _subscriber_or_404(subscriber_id)
    email = subscriber.email
    subscribers.erase(g.publication, subscriber)
    flash(f"{email} and their personal data are erased.", "success")
    return redirect(url_for("dashboard.audience.subscribers"))


@dashboard_bp.route("/<pub_slug>/subscribers/<int:subscriber_id>/export.json")
def export_subscriber(subscriber_id: int):
    subscriber = _subscriber_or_404(subscriber_id)
    data = subscribers.personal_data(g.publication, subscriber)
    return Response(
        json.dumps(data, indent=2, default=str),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="reader-{subscriber.id}.json"'},
    )
