"""`POST /billing/webhook` answers every correctly signed body on purpose, never with a 500.

Stripe retries a 500 for days. An event Tend has no use for (a type or an object newer than
the stripe library) is stored and acknowledged; a body that is not an event Tend could store
(not an object, no id or type, a `created` that is no time, an id longer than the column,
nesting no event has, NaN) is refused with a 400 and stores nothing.
"""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from saas.billing.models import StripeEvent
from saas.core.extensions import db
from tests.billing_helpers import WEBHOOK_SECRET, billing, stripe_server  # noqa: F401
from tests.conftest import drain_jobs
from tests.stripe_standin import new_id, sign


def _post_signed(client, body: str):
    return client.post(
        "/billing/webhook",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET)},
    )


def _stored_ids(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(StripeEvent.id)).all())


def test_events_tend_has_no_use_for_are_stored_and_acknowledged(app, client, billing):
    newer_type = billing.stripe.event(
        "balance_settings.updated",
        {"object": "balance_settings", "payments": {"payouts": {"schedule": {"interval": "day"}}}},
    )
    unknown_object = billing.stripe.event(
        "tend.unheard_of", {"id": "xyz_1", "object": "a_thing_from_the_future", "items": [1, 2]}
    )
    answers = [_post_signed(client, json.dumps(event)) for event in (newer_type, unknown_object)]
    drain_jobs(app)
    assert [answer.status_code for answer in answers] == [200, 200]
    assert [answer.get_json()["received"] for answer in answers] == [
        newer_type["id"],
        unknown_object["id"],
    ]
    with app.app_context():
        rows = [db.session.get(StripeEvent, event["id"]) for event in (newer_type, unknown_object)]
        assert [row.type for row in rows] == ["balance_settings.updated", "tend.unheard_of"]
        assert all(row.processed_at is not None and row.last_error == "" for row in rows)


def _event(**changes) -> dict:
    event = {"id": new_id("evt"), "object": "event", "type": "invoice.paid", "created": 1}
    event.update(changes)
    return {key: value for key, value in event.items() if value is not None}


MALFORMED = {
    "a JSON list": "[]",
    "a list of events": json.dumps([_event()]),
    "null": "null",
    "a number": "42",
    "a string": '"evt_1"',
    "not UTF-8": b'{"id": "evt_\xff"}',
    "no id": json.dumps(_event(id=None)),
    "no type": json.dumps(_event(type=None)),
    "a numeric id": json.dumps(_event(id=12345)),
    "an object for a type": json.dumps(_event(type={"name": "invoice.paid"})),
    "a string created": json.dumps(_event(created="yesterday")),
    "a numeric string created": json.dumps(_event(created="1700000000")),
    "created past year 9999": json.dumps(_event(created=10**13)),
    "created as true": json.dumps(_event(created=True)),
    "an id longer than the column": json.dumps(_event(id="evt_" + "x" * 252)),
    "a NUL in the id": json.dumps(_event(id="evt_\x00nul")),
    "a NUL in the type": json.dumps(_event(type="invoice.paid\x00")),
    "a type longer than the column": json.dumps(_event(type="x" * 101)),
    "an object for an account": json.dumps(_event(account={"id": "acct_1"})),
    "NaN, which is not JSON": json.dumps(_event(data={"object": {"amount": float("nan")}})),
    "10,000 levels deep": '{"a": ' * 10_000 + "1" + "}" * 10_000,
    "900 levels deep": json.dumps(
        _event(data={"object": json.loads('{"a": ' * 900 + "1" + "}" * 900)})
    ),
}


@pytest.mark.parametrize("shape", MALFORMED)
def test_signed_bodies_that_are_no_storable_event_are_refused_with_400(app, client, billing, shape):
    body = MALFORMED[shape]
    signed = body.decode("latin-1") if isinstance(body, bytes) else body
    header = sign(signed, WEBHOOK_SECRET)
    answer = client.post(
        "/billing/webhook",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"]
    assert _stored_ids(app) == []


def test_an_id_as_long_as_the_column_is_stored(app, client, billing):
    longest = _event(id="evt_" + "x" * 251)
    assert _post_signed(client, json.dumps(longest)).status_code == 200
    drain_jobs(app)
    assert _stored_ids(app) == [longest["id"]]
