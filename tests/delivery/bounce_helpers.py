"""Helpers for the bounce tests: a sent issue, its deliveries, returned mail for them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from saas.audience.models import Subscriber, SubscriberEvent
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.delivery import sending
from saas.delivery.models import Delivery
from saas.publishing.models import Issue, Publication

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"
SECRET = "bounce-test-secret"
CORPUS_VERP = b"bounce+17-abcdefghijklmnopqrst@bounces.tend.localhost"


def send_issue(app, pub, issue) -> None:
    """Send the issue now (jobs run inline in tests)."""
    with app.app_context(), bound_to(pub.id):
        sending.send_now(db.session.get(Publication, pub.id), db.session.get(Issue, issue.id))


def deliveries(app, pub) -> dict[str, Delivery]:
    with app.app_context(), bound_to(pub.id):
        rows = db.session.scalars(select(Delivery)).all()
        for row in rows:
            db.session.expunge(row)
        return {row.email: row for row in rows}


def reader(app, pub, email: str) -> Subscriber:
    with app.app_context(), bound_to(pub.id):
        row = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
        db.session.expunge(row)
        return row


def history(app, pub, subscriber_id: int) -> list[tuple[str, str]]:
    with app.app_context(), bound_to(pub.id):
        return [
            (e.kind, e.detail)
            for e in db.session.scalars(
                select(SubscriberEvent)
                .where(SubscriberEvent.subscriber_id == subscriber_id)
                .order_by(SubscriberEvent.id)
            )
        ]


def returned(corpus_file: str, return_path: str, recipient: str, corpus_recipient: str) -> bytes:
    """A corpus message as if it came back to `return_path` about `recipient`."""
    raw = (CORPUS / corpus_file).read_bytes()
    return raw.replace(CORPUS_VERP, return_path.encode()).replace(
        corpus_recipient.encode(), recipient.encode()
    )


def post(client, raw: bytes, envelope_to: str = "", secret: str = SECRET):
    headers = {"Content-Type": "message/rfc822", "X-Tend-Inbound-Secret": secret}
    if envelope_to:
        headers["X-Tend-Envelope-To"] = envelope_to
    return client.post("/inbound/email", data=raw, headers=headers)
