"""From the receiver's side: a delivery verifies with the check docs/webhooks.md gives them.

The check is taken from the documentation itself and run against what a real receiving
server on loopback got, so the documented header and the signed bytes cannot drift apart.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from saas.webhooks import signing
from tests.webhook_helpers import add_endpoint, sent_events

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_check():
    """The `tend_signature_ok` function as docs/webhooks.md prints it."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1, "docs/webhooks.md should hold one Python example"
    namespace: dict = {}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)  # noqa: S102  (our own docs)
    return namespace["tend_signature_ok"]


def test_a_receiver_verifies_a_delivery_with_the_documented_check(
    app, factories, receiver, loopback_allowed
):
    publication = factories.publication(slug="quiet-notes")
    endpoint = add_endpoint(app, publication, receiver.url("/tend"), ["issue.published"])
    factories.issue(publication, title="On rest", publish=True)

    assert len(sent_events(app, receiver)) == 1
    delivery = receiver.received[0]
    body = delivery.body
    event = json.loads(body)
    assert delivery.path == "/tend"
    assert delivery.headers["Content-Type"] == "application/json"
    assert delivery.headers["Tend-Event"] == "issue.published" == event["type"]
    assert delivery.headers["Tend-Event-Id"] == event["id"]
    assert event["publication"] == {"id": publication.id, "slug": "quiet-notes"}
    assert event["data"]["title"] == "On rest"

    check = documented_check()
    header = delivery.headers["Tend-Signature"]
    assert check(endpoint.secret, header, body)
    # Tampered with, signed by another secret, or replayed later: refused.
    assert not check(endpoint.secret, header, body.replace(b"On rest", b"On war"))
    assert not check("whsec_someone-else", header, body)
    stale = signing.signature_header(endpoint.secret, body, timestamp=int(time.time()) - 600)
    assert not check(endpoint.secret, stale, body)
    assert not check(endpoint.secret, "", body)
    assert not check(endpoint.secret, "t=soon,v1=abc", body)


def test_tends_own_verify_agrees_with_the_documented_check(app):
    check = documented_check()
    body = b'{"id":"evt_1","type":"endpoint.test","data":{}}'
    secret = signing.new_secret()
    now = int(time.time())
    cases = [
        (signing.signature_header(secret, body, now), body, True),
        (signing.signature_header(secret, body, now - 299), body, True),
        (signing.signature_header(secret, body, now - 301), body, False),
        (signing.signature_header(secret, body, now + 301), body, False),
        (signing.signature_header(secret, body, now), body + b" ", False),
        (signing.signature_header("whsec_other", body, now), body, False),
        (f"t={now}", body, False),
        ("garbage", body, False),
    ]
    for header, sent, expected in cases:
        assert check(secret, header, sent) is expected, header
        assert signing.verify(secret, header, sent) is expected, header


def test_each_endpoint_signs_with_its_own_secret(app, factories, receiver, loopback_allowed):
    publication = factories.publication()
    first = add_endpoint(app, publication, receiver.url("/one"), ["issue.published"])
    second = add_endpoint(app, publication, receiver.url("/two"), ["issue.published"])
    assert first.secret != second.secret
    factories.issue(publication, publish=True)
    sent_events(app, receiver)

    check = documented_check()
    by_path = {r.path: r for r in receiver.received}
    assert set(by_path) == {"/one", "/two"}
    one, two = by_path["/one"], by_path["/two"]
    assert one.body == two.body  # one event, one body
    assert check(first.secret, one.headers["Tend-Signature"], one.body)
    assert check(second.secret, two.headers["Tend-Signature"], two.body)
    assert not check(first.secret, two.headers["Tend-Signature"], two.body)
