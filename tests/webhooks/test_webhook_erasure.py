"""Erasing a reader or a support request takes the deliveries about them too; logs age out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from saas.audience import subscribers
from saas.audience.models import Subscriber
from saas.core.extensions import db
from saas.core.model_base import utcnow
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing.models import Issue, Publication
from saas.replies.posting import post_reply
from saas.webhooks.models import WebhookDelivery
from tests.conftest import drain_jobs, login, post_form
from tests.webhook_helpers import add_endpoint, deliveries_of


def _subjects(app, pub) -> list[str]:
    return sorted(d.subject for d in deliveries_of(app, pub))


def test_erasing_a_reader_deletes_every_delivery_about_them_sent_or_not(
    app, factories, receiver, loopback_allowed
):
    receiver.answers = [{"status": 200}, {"status": 200}, {"status": 200}, {"status": 500}]
    pub = factories.publication()
    issue = factories.issue(pub, publish=True)
    add_endpoint(app, pub, receiver.url(), ["subscriber.created", "reply.created"])
    with app.app_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        ada, _ = subscribers.add_manually(publication, "ada@example.org", "Ada", False, "")
        grace, _ = subscribers.add_manually(publication, "grace@example.org", "Grace", False, "")
        ada_id, grace_id = ada.id, grace.id
        grace_reply = post_reply(
            publication,
            db.session.get(Issue, issue.id),
            db.session.get(Subscriber, grace_id),
            "Hello",
        ).id
        ada_reply = post_reply(
            publication, db.session.get(Issue, issue.id), db.session.get(Subscriber, ada_id), "Hi"
        ).id
    drain_jobs(app)
    assert _subjects(app, pub) == sorted(
        [
            f"subscriber:{ada_id}",
            f"subscriber:{grace_id}",
            f"reply:{grace_reply}",
            f"reply:{ada_reply}",
        ]
    )
    assert deliveries_of(app, pub)[-1].status == "retrying"  # Ada's reply: not sent yet

    with app.app_context(), bound_to(pub.id):
        subscribers.erase(db.session.get(Publication, pub.id), db.session.get(Subscriber, ada_id))
    assert _subjects(app, pub) == sorted([f"subscriber:{grace_id}", f"reply:{grace_reply}"])


def test_erasing_a_support_request_deletes_the_deliveries_about_it(
    app, client, factories, receiver, loopback_allowed
):
    owner = factories.user(email="maya@example.com")
    pub = factories.publication(owner=owner, slug="practice")
    add_endpoint(app, pub, receiver.url(), ["support_request.created"])
    kept = factories.support_request(pub, email="kept@example.org")
    erased = factories.support_request(pub, email="robin@example.org")
    drain_jobs(app)
    assert len(deliveries_of(app, pub)) == 2

    login(client, "maya@example.com")
    page = f"/dashboard/practice/support/{erased.id}"
    assert post_form(client, page + "/delete", {}, token_from=page).status_code == 303
    assert _subjects(app, pub) == [f"support_request:{kept.id}"]


def test_finished_deliveries_past_their_keeping_are_deleted_and_open_ones_kept(
    app, factories, receiver, loopback_allowed
):
    receiver.answers = [{"status": 200}, {"status": 500}]
    pub = factories.publication()
    add_endpoint(app, pub, receiver.url(), ["issue.published"])
    factories.issue(pub, publish=True)
    factories.issue(pub, publish=True)
    drain_jobs(app)
    with app.app_context(), cross_tenant():
        db.session.execute(update(WebhookDelivery).values(created_at=utcnow() - timedelta(days=31)))
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["webhook-upkeep", "--no-schedule"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 past their keeping" in result.output
    with app.app_context(), cross_tenant():
        left = list(db.session.scalars(select(WebhookDelivery.status)))
    assert left == ["retrying"]
