"""The booking link's settings page (owners), and `POST /hooks/booking/<token>` for providers.

The inbound view is thin: it hands the raw body and headers to saas.webhooks.bookings and
answers 4xx for anything not acceptable (unknown address, bad or stale signature, not a
booking event), 200 otherwise, so providers retry only what deserves it. Its answer names
an outcome, never a reader.
"""

from __future__ import annotations

from flask import (
    abort,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from saas.core.extensions import csrf, limiter
from saas.publishing.dashboard_parent import require_owner
from saas.webhooks import booking_links, bookings
from saas.webhooks.blueprints import booking_bp, dashboard_bp
from saas.webhooks.forms import BookingLinkForm
from saas.webhooks.models import CALCOM, CALENDLY, PROVIDERS


def _page(form: BookingLinkForm, secret: str | None = None, status: int = 200):
    link = booking_links.get_link(g.publication)
    response = make_response(
        render_template(
            "webhooks/booking.html",
            form=form,
            link=link,
            secret=secret,
            inbound_url=booking_links.inbound_url(link) if link else "",
            providers=PROVIDERS,
            calcom=CALCOM,
            calendly=CALENDLY,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _back():
    return redirect(url_for("dashboard.webhooks.booking_settings"), 303)


@dashboard_bp.route("/<pub_slug>/integrations/booking", methods=["GET", "POST"])
def booking_settings():
    require_owner()
    link = booking_links.get_link(g.publication)
    form = BookingLinkForm(obj=link)
    if form.validate_on_submit():
        try:
            booking_links.save_link(g.publication, form.provider.data, form.url.data)
        except booking_links.InvalidLink as error:
            form.url.errors = [*form.url.errors, str(error)]
        else:
            flash("Booking link saved.", "success")
            return _back()
    return _page(form, status=422 if form.is_submitted() else 200)


def _link_or_404():
    require_owner()
    link = booking_links.get_link(g.publication)
    if link is None:
        abort(404)
    return link


@dashboard_bp.route("/<pub_slug>/integrations/booking/secret", methods=["POST"])
def reveal_booking_secret():
    link = _link_or_404()
    return _page(BookingLinkForm(obj=link, formdata=None), secret=link.signing_secret)


@dashboard_bp.route("/<pub_slug>/integrations/booking/secret/new", methods=["POST"])
def new_booking_secret():
    link = _link_or_404()
    booking_links.new_signing_secret(g.publication, link)
    flash("New signing secret made: give it to your booking provider in place of the old one.")
    return _page(BookingLinkForm(obj=link, formdata=None), secret=link.signing_secret)


@dashboard_bp.route("/<pub_slug>/integrations/booking/remove", methods=["POST"])
def remove_booking_link():
    link = _link_or_404()
    booking_links.remove_link(g.publication, link)
    flash("Booking link removed.", "success")
    return _back()


@booking_bp.route("/booking/<token>", methods=["POST"])
@csrf.exempt
@limiter.limit("120 per minute")
def receive_booking(token: str):
    try:
        received = bookings.receive(token, request.headers, request.get_data(cache=False))
    except bookings.Rejected as rejected:
        return jsonify(error=str(rejected)), rejected.status
    return jsonify(outcome=received.outcome), 200
