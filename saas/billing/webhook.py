"""`POST /billing/webhook`: Stripe's events for the platform and for connected accounts.

Thin on purpose: verify and store (saas.billing.stripe_webhooks), answer at once; the work
happens in a job. 400 tells Stripe the delivery was not genuine, not fresh or not an event
Tend can store; a repeat of a stored event is a 200 that changes nothing, and so is an event
Tend has no use for.
"""

from __future__ import annotations

from flask import jsonify, request

from saas.billing import stripe_webhooks
from saas.billing.blueprints import platform_bp
from saas.core.extensions import csrf


@platform_bp.route("/webhook", methods=["POST"])
@csrf.exempt
def webhook():
    payload = request.get_data(cache=False)
    signature = request.headers.get("Stripe-Signature", "")
    try:
        event_id, first = stripe_webhooks.receive(payload, signature)
    except stripe_webhooks.InvalidWebhook as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(received=event_id, duplicate=not first), 200
