"""One webhook delivery: what was sent, what came back, and sending it again (owners)."""

from __future__ import annotations

import json

from flask import abort, flash, g, redirect, render_template, url_for

from saas.publishing.dashboard_parent import require_owner
from saas.webhooks import endpoints, events, signing
from saas.webhooks.blueprints import dashboard_bp


def _delivery_or_404(delivery_id: int):
    require_owner()
    delivery = endpoints.get_delivery(g.publication, delivery_id)
    if delivery is None:
        abort(404)
    return delivery


def _readable(body: str) -> str:
    """The delivered JSON, indented for reading."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body


@dashboard_bp.route("/<pub_slug>/integrations/deliveries/<int:delivery_id>")
def delivery(delivery_id: int):
    found = _delivery_or_404(delivery_id)
    return render_template(
        "webhooks/delivery.html",
        delivery=found,
        endpoint=endpoints.get_endpoint(g.publication, found.endpoint_id),
        body=_readable(found.body),
        signature_header=signing.SIGNATURE_HEADER,
    )


@dashboard_bp.route(
    "/<pub_slug>/integrations/deliveries/<int:delivery_id>/redeliver", methods=["POST"]
)
def redeliver(delivery_id: int):
    found = _delivery_or_404(delivery_id)
    new_id = events.redeliver(g.publication, found)
    flash("Sent again, as a new delivery with the same event id.", "success")
    return redirect(url_for("dashboard.webhooks.delivery", delivery_id=new_id), 303)
