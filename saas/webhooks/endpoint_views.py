"""Settings > Integrations: the webhook endpoints, each with its secret, test and log (owners)."""

from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for

from saas.publishing.dashboard_parent import require_owner
from saas.webhooks import booking_links, endpoints, events, signing
from saas.webhooks.blueprints import dashboard_bp
from saas.webhooks.forms import EndpointForm


def _endpoint_or_404(endpoint_id: int):
    require_owner()
    endpoint = endpoints.get_endpoint(g.publication, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _to(endpoint_id: int | None = None):
    if endpoint_id is None:
        return redirect(url_for("dashboard.webhooks.integrations"), 303)
    return redirect(url_for("dashboard.webhooks.endpoint", endpoint_id=endpoint_id), 303)


@dashboard_bp.route("/<pub_slug>/integrations")
def integrations():
    require_owner()
    return render_template(
        "webhooks/endpoints.html",
        endpoints=endpoints.list_endpoints(g.publication),
        booking_link=booking_links.get_link(g.publication),
        event_types=events.EVENT_TYPES,
        max_endpoints=endpoints.MAX_ENDPOINTS,
        signature_header=signing.SIGNATURE_HEADER,
    )


def _save(form: EndpointForm, save) -> bool:
    """Run `save(url, events, description)`; False with the field's error when refused."""
    try:
        save(form.url.data, form.events.data or [], form.description.data or "")
    except endpoints.InvalidEndpoint as error:
        form[error.field].errors = [*form[error.field].errors, str(error)]
        return False
    return True


@dashboard_bp.route("/<pub_slug>/integrations/webhooks/new", methods=["GET", "POST"])
def new_endpoint():
    require_owner()
    form = EndpointForm()
    created = []

    def create(url, chosen, description):
        created.append(endpoints.create_endpoint(g.publication, url, chosen, description))

    if form.validate_on_submit() and _save(form, create):
        flash("Endpoint added. Reveal its signing secret below for your receiver.", "success")
        return _to(created[0].id)
    if not form.is_submitted():
        form.events.data = list(events.EVENT_TYPES)
    return render_template("webhooks/endpoint_form.html", form=form, endpoint=None), (
        422 if form.is_submitted() else 200
    )


@dashboard_bp.route(
    "/<pub_slug>/integrations/webhooks/<int:endpoint_id>/edit", methods=["GET", "POST"]
)
def edit_endpoint(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    form = EndpointForm(obj=endpoint)

    def update(url, chosen, description):
        endpoints.update_endpoint(g.publication, endpoint, url, chosen, description)

    if form.validate_on_submit() and _save(form, update):
        flash("Endpoint saved.", "success")
        return _to(endpoint.id)
    return render_template("webhooks/endpoint_form.html", form=form, endpoint=endpoint), (
        422 if form.is_submitted() else 200
    )


@dashboard_bp.route("/<pub_slug>/integrations/webhooks/<int:endpoint_id>")
def endpoint(endpoint_id: int, secret: str | None = None):
    found = _endpoint_or_404(endpoint_id)
    response = make_response(
        render_template(
            "webhooks/endpoint.html",
            endpoint=found,
            deliveries=endpoints.deliveries(g.publication, found),
            event_types=events.EVENT_TYPES,
            secret=secret,
            signature_header=signing.SIGNATURE_HEADER,
            log_limit=endpoints.LOG_LIMIT,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@dashboard_bp.route("/<pub_slug>/integrations/webhooks/<int:endpoint_id>/secret", methods=["POST"])
def reveal_secret(endpoint_id: int):
    found = _endpoint_or_404(endpoint_id)
    return endpoint(endpoint_id, secret=found.secret)


@dashboard_bp.route(
    "/<pub_slug>/integrations/webhooks/<int:endpoint_id>/secret/new", methods=["POST"]
)
def new_secret(endpoint_id: int):
    found = _endpoint_or_404(endpoint_id)
    endpoints.new_secret(g.publication, found)
    flash("New signing secret made: the old one no longer signs. Give your receiver this one.")
    return endpoint(endpoint_id, secret=found.secret)


@dashboard_bp.route("/<pub_slug>/integrations/webhooks/<int:endpoint_id>/test", methods=["POST"])
def send_test(endpoint_id: int):
    found = _endpoint_or_404(endpoint_id)
    events.send_test(g.publication, found)
    flash("Test event queued: its result appears in the log below.", "success")
    return _to(found.id)


@dashboard_bp.route("/<pub_slug>/integrations/webhooks/<int:endpoint_id>/switch", methods=["POST"])
def switch_endpoint(endpoint_id: int):
    found = _endpoint_or_404(endpoint_id)
    enabled = request.form.get("enabled") == "on"
    endpoints.set_enabled(g.publication, found, enabled)
    flash("Endpoint switched on." if enabled else "Endpoint switched off.", "success")
    return _to(found.id)


@dashboard_bp.route("/<pub_slug>/integrations/webhooks/<int:endpoint_id>/delete", methods=["POST"])
def delete_endpoint(endpoint_id: int):
    found = _endpoint_or_404(endpoint_id)
    endpoints.delete_endpoint(g.publication, found)
    flash("Endpoint deleted, with its delivery log.", "success")
    return _to()
