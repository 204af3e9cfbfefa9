"""Readers per status: the counts the database keeps match a real COUNT after every way a
reader's status changes, at once and under concurrent changes, and the repair rebuilds them."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import io
import threading

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select

from saas.audience import status_counts, subscribers
from saas.audience.models import SUBSCRIBER_STATUSES, Subscriber, SubscriberCount
from saas.audience.reader_links import unsubscribe_url
from saas.core.extensions import db
from saas.core.tenancy import bound_to, cross_tenant
from saas.publishing.models import Publication
from tests.billing.test_billing_limits import LIMIT, full_list  # noqa: F401  (a fixture)
from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)
from tests.conftest import USING_POSTGRES, csrf_token, drain_jobs, login, post_form
from tests.smtp_sink import free_port


def real_counts(app, pub) -> dict[str, int]:
    """COUNT(*) per status over the readers table itself."""
    with app.app_context(), bound_to(pub.id):
        rows = db.session.execute(
            select(Subscriber.status, func.count()).group_by(Subscriber.status)
        ).all()
    return {status: dict(rows).get(status, 0) for status in SUBSCRIBER_STATUSES}


def kept_counts(app, pub) -> dict[str, int]:
    with app.app_context(), bound_to(pub.id):
        return status_counts.counts(db.session.get(Publication, pub.id))


def assert_exact(app, *pubs) -> dict[str, int]:
    """The kept counts equal the real ones for each publication; returns the first's."""
    for pub in pubs:
        assert kept_counts(app, pub) == real_counts(app, pub), pub.slug
    return real_counts(app, pubs[0])


def only(**counts: int) -> dict[str, int]:
    """Counts for every status: the ones given, zero for the others."""
    return {status: counts.get(status, 0) for status in SUBSCRIBER_STATUSES}


@pytest.fixture()
def calm(app, factories, client):
    owner = factories.user(email="o@example.com")
    pub = factories.publication(owner=owner, slug="calm", name="Calm")
    login(client, "o@example.com")
    return pub


@pytest.fixture()
def other(factories):
    """Another tenant with readers of its own: its counts must never move with calm's."""
    pub = factories.publication(slug="other", name="Other")
    for status in ("active", "active", "pending", "unsubscribed"):
        factories.subscriber(pub, status=status)
    return pub


class RefuseBouncy:
    """A mail server that refuses every recipient whose address starts with "bouncy"."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("bouncy"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "250 2.0.0 Ok: queued"


@pytest.fixture()
def refusing_server(app, monkeypatch):
    """Its SMTP URL; the test points sending at it (transactional mail keeps the sink)."""
    port = free_port()
    controller = Controller(RefuseBouncy(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_RETRY_DELAYS", [0.05])
    yield f"smtp://127.0.0.1:{port}"
    controller.stop()


def _import(app, client, pub, csv: bytes) -> None:
    url = f"/dashboard/{pub.slug}/subscribers/import"
    data = {"csrf_token": csrf_token(client, url), "file": (io.BytesIO(csv), "list.csv")}
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 303
    drain_jobs(app)


def _reader_id(app, pub, email: str) -> int:
    with app.app_context(), bound_to(pub.id):
        return db.session.scalar(select(Subscriber.id).where(Subscriber.email == email))


def test_every_way_a_status_changes_keeps_the_counts_exact(
    app, client, calm, other, factories, mailbox, refusing_server, monkeypatch
):
    reader = app.test_client()
    base = f"/dashboard/{calm.slug}/subscribers"
    assert assert_exact(app, calm, other) == only()

    # Subscribing on the public page: pending. Confirming: active.
    reader.post(f"/p/{calm.slug}/subscribe", data={"email": "sam@example.org", "name": "Sam"})
    assert assert_exact(app, calm, other) == only(pending=1)
    reader.get(mailbox.last_link("sam@example.org", "/confirm/").replace("http://localhost", ""))
    assert assert_exact(app, calm, other) == only(active=1)

    # Added by hand, active or asked to confirm.
    for email, ask in (("hand@example.org", ""), ("ask@example.org", "y")):
        data = {"email": email, "consent_note": "Asked in person", "ask_to_confirm": ask}
        assert post_form(client, f"{base}/new", data, f"{base}/new").status_code == 302
    assert assert_exact(app, calm, other) == only(active=2, pending=1)

    # One-click unsubscribe from the email, and the practitioner's unsubscribe.
    with app.app_context():
        link = unsubscribe_url(calm, _reader_id(app, calm, "sam@example.org"))
    one_click = {"List-Unsubscribe": "One-Click"}
    assert reader.post(link.replace("http://localhost", ""), data=one_click).status_code == 200
    hand = _reader_id(app, calm, "hand@example.org")
    post_form(client, f"{base}/{hand}/unsubscribe", {}, f"{base}/{hand}")
    assert assert_exact(app, calm, other) == only(pending=1, unsubscribed=2)

    # Subscribing again after unsubscribing, then confirming: active again.
    reader.post(f"/p/{calm.slug}/subscribe", data={"email": "sam@example.org"})
    assert assert_exact(app, calm, other) == only(pending=1, unsubscribed=2)
    reader.get(mailbox.last_link("sam@example.org", "/confirm/").replace("http://localhost", ""))
    assert assert_exact(app, calm, other) == only(active=1, pending=1, unsubscribed=1)

    # An import with every status, a duplicate and a reader already on the list.
    _import(
        app,
        client,
        calm,
        b"email,status\n"
        b"imp-a@example.org,active\nimp-b@example.org,active\nimp-p@example.org,pending\n"
        b"imp-u@example.org,unsubscribed\nimp-b2@example.org,bounced\n"
        b"imp-c@example.org,complained\nimp-a@example.org,active\nsam@example.org,active\n"
        b"bouncy@example.org,active\n",
    )
    expected = only(active=4, pending=2, unsubscribed=2, bounced=1, complained=1)
    assert assert_exact(app, calm, other) == expected

    # Three refused deliveries make a bounced reader.
    sink_url = app.config["SMTP_URL"]
    monkeypatch.setitem(app.config, "SMTP_URL", refusing_server)
    for n in range(3):
        issue = factories.issue(calm, title=f"Letter {n}")
        editor = f"/dashboard/{calm.slug}/issues/{issue.id}"
        assert post_form(client, editor + "/send", {}, editor).status_code in (302, 303)
        drain_jobs(app)
    monkeypatch.setitem(app.config, "SMTP_URL", sink_url)
    expected = only(active=3, pending=2, unsubscribed=2, bounced=2, complained=1)
    assert assert_exact(app, calm, other) == expected

    # Erasing a reader, whatever their status.
    for email in ("imp-c@example.org", "imp-p@example.org", "sam@example.org"):
        reader_id = _reader_id(app, calm, email)
        post_form(client, f"{base}/{reader_id}/delete", {}, f"{base}/{reader_id}")
    expected = only(active=2, pending=1, unsubscribed=2, bounced=2)
    assert assert_exact(app, calm, other) == expected
    # The list page shows the kept counts.
    page = client.get(base).get_data(as_text=True)
    assert "2 active · 1 pending · 2 unsubscribed · 2 bounced" in page


def test_holds_and_their_release_keep_the_counts_exact(app, client, full_list, billing, mailbox):
    pub = full_list
    assert assert_exact(app, pub) == only(active=LIMIT)

    # A confirmation past the limit waits, pending.
    reader = app.test_client()
    reader.post(f"/p/{pub.slug}/subscribe", data={"email": "late@example.org"})
    reader.get(mailbox.last_link("late@example.org", "/confirm/").replace("http://localhost", ""))
    # Added by hand as active: inserted active and held in the same transaction.
    url = f"/dashboard/{pub.slug}/subscribers/new"
    post_form(client, url, {"email": "hand@example.org", "consent_note": "In person"}, url)
    # Imported active: moved to the waiting list in bulk.
    _import(app, client, pub, b"email,status\ni1@example.org,active\ni2@example.org,active\n")
    assert assert_exact(app, pub) == only(active=LIMIT, pending=4)

    # Upgrading releases every waiting reader.
    response = post_form(
        client, "/billing/checkout", {"plan": "pro", "interval": "month"}, "/billing/"
    )
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    billing.deliver(client, billing.stripe.complete_checkout(session_id))
    assert assert_exact(app, pub) == only(active=LIMIT + 4)


def test_paying_readers_keep_the_counts_exact(app, client, factories, billing, mailbox):
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="letters", name="Letters")
    account = billing.connect(pub)
    tier = billing.tier(pub, "Supporter", monthly=500, yearly=5000)
    body = "Everyone reads this.\n\n<!-- paywall -->\n\nPayers read this."
    issue = factories.issue(pub, title="Deep", body_markdown=body, audience="paid", publish=True)
    factories.subscriber(pub, email="pend@example.org", status="pending")
    for email in ("new@example.org", "pend@example.org"):
        response = client.post(
            f"/p/{pub.slug}/paid/upgrade",
            data={"email": email, "choice": f"{tier.id}:month", "issue": issue.slug},
        )
        session_id = response.headers["Location"].rsplit("/", 1)[1]
        billing.deliver(client, billing.stripe.complete_checkout(session_id, account))
    assert assert_exact(app, pub) == only(active=2)


def test_deleting_a_publication_takes_its_counts_with_it(app, calm, other, factories):
    factories.subscriber(calm, status="active")
    with app.app_context(), cross_tenant():
        db.session.execute(delete(Publication).where(Publication.id == calm.id))
        db.session.commit()
        left = db.session.execute(
            select(SubscriberCount.publication_id, func.sum(SubscriberCount.delta)).group_by(
                SubscriberCount.publication_id
            )
        ).all()
    assert left == [(other.id, 4)]
    assert_exact(app, other)


def test_folding_keeps_the_sums_and_leaves_one_row_per_status(app, calm, other, factories):
    for n in range(status_counts.FOLD_AFTER_ROWS // 2 + 1):
        reader = factories.subscriber(calm, email=f"r{n}@example.org")
        with app.app_context(), bound_to(calm.id):
            subscribers.unsubscribe(db.session.get(Publication, calm.id), reader.id, "test")
    before = assert_exact(app, calm, other)
    with app.app_context():
        assert status_counts.fold_crowded() == 1  # calm only: other has four rows
        with bound_to(calm.id):
            rows = db.session.execute(select(SubscriberCount.status, SubscriberCount.delta)).all()
    assert rows == [("unsubscribed", status_counts.FOLD_AFTER_ROWS // 2 + 1)]
    assert assert_exact(app, calm, other) == before


def test_reading_crowded_counts_asks_a_worker_to_fold_them(app, calm, factories):
    for n in range(status_counts.FOLD_AFTER_ROWS + 1):
        factories.subscriber(calm, email=f"r{n}@example.org")
    with app.app_context(), bound_to(calm.id):
        found = status_counts.counts(db.session.get(Publication, calm.id))
        assert found["active"] == status_counts.FOLD_AFTER_ROWS + 1
        drain_jobs(app)
        if app.config["REDIS_URL"]:
            rows = db.session.scalar(select(func.count()).select_from(SubscriberCount))
            assert rows == 1, "the job folded them"
    assert_exact(app, calm)


def test_the_repair_command_rebuilds_lost_counts(app, calm, other, factories):
    for status in ("active", "pending", "bounced"):
        factories.subscriber(calm, status=status)
    with app.app_context(), cross_tenant():
        db.session.execute(delete(SubscriberCount))
        db.session.commit()
    assert kept_counts(app, calm) != real_counts(app, calm)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["recount-subscribers", "--publication", "calm"])
    assert result.exit_code == 0, result.output
    assert_exact(app, calm)
    assert kept_counts(app, other) != real_counts(app, other)
    assert runner.invoke(args=["recount-subscribers"]).exit_code == 0
    assert_exact(app, calm, other)
    missing = runner.invoke(args=["recount-subscribers", "--publication", "nope"])
    assert missing.exit_code != 0 and "no publication 'nope'" in missing.output


@pytest.mark.skipif(not USING_POSTGRES, reason="SQLite serialises all writers")
def test_counts_stay_exact_under_concurrent_changes_and_folds(app, calm, other):
    """Eight sessions add, unsubscribe, re-add and erase readers at once while another folds."""
    workers, rounds = 8, 12
    errors: list[BaseException] = []
    start = threading.Barrier(workers + 1)
    with app.app_context(), bound_to(calm.id):
        pub = db.session.get(Publication, calm.id)
        subscribers.add_manually(pub, "shared@example.org", "", False, "shared")

    def change(worker: int) -> None:
        try:
            start.wait()
            with app.app_context(), bound_to(calm.id):
                pub = db.session.get(Publication, calm.id)
                for n in range(rounds):
                    email = f"w{worker}-{n}@example.org"
                    reader, _ = subscribers.add_manually(pub, email, "", False, "load")
                    subscribers.unsubscribe(pub, reader.id, "load")
                    if n % 3 == 0:
                        subscribers.erase(pub, db.session.get(Subscriber, reader.id))
                    # Everyone also unsubscribes one shared reader: the first one does.
                    shared = subscribers.find_by_email(pub, "shared@example.org")
                    subscribers.unsubscribe(pub, shared.id, "load")
        except BaseException as exc:  # reported below
            errors.append(exc)

    def fold() -> None:
        try:
            start.wait()
            with app.app_context():
                for _ in range(rounds):
                    status_counts.fold(calm.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=change, args=(w,)) for w in range(workers)]
    threads.append(threading.Thread(target=fold))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    kept = workers * (rounds - len(range(0, rounds, 3)))
    assert assert_exact(app, calm, other) == only(unsubscribed=kept + 1)
