"""Free plan limits where they bite, each with a clear message and an upgrade link, and no
reader ever dropped: past the limit they wait, pending, until the plan has room."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from saas.audience.models import Subscriber
from saas.billing.models import SubscriberHold
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.billing_helpers import billing, stripe_server  # noqa: F401  (fixtures)
from tests.conftest import csrf_token, drain_jobs, login, post_form

LIMIT = 3


@pytest.fixture()
def full_list(app, factories, client, billing):
    """Maya on the Free plan (shrunk to 3 readers), with a full list of 3 active readers."""
    plans = [dict(plan) for plan in app.config["BILLING_PLANS"]]
    plans[0]["max_subscribers"] = LIMIT
    app.config["BILLING_PLANS"] = plans
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="full-list", name="Full List")
    for n in range(LIMIT):
        factories.subscriber(pub, email=f"early{n}@example.org")
    login(client, "maya@example.com")
    return pub


def _statuses(app, pub) -> dict[str, str]:
    with app.app_context(), bound_to(pub.id):
        return dict(db.session.execute(select(Subscriber.email, Subscriber.status)).all())


def _holds(app, pub) -> int:
    with app.app_context(), bound_to(pub.id):
        return db.session.scalar(select(func.count()).select_from(SubscriberHold))


def test_readers_past_the_free_limit_wait_pending_and_join_on_upgrade(
    app,
    client,
    full_list,
    billing,
    mailbox,
):
    pub = full_list
    reader = app.test_client()
    # A reader subscribes and confirms: confirmed, but waiting.
    reader.post(f"/p/{pub.slug}/subscribe", data={"email": "late@example.org"})
    confirm = mailbox.last_link("late@example.org", "/confirm/").replace("http://localhost", "")
    page = reader.get(confirm).get_data(as_text=True)
    assert "waiting list" in page and "late@example.org" in page
    assert _statuses(app, pub)["late@example.org"] == "pending"

    # The owner hears once, and sees why on every dashboard page, with the way out.
    page = client.get(f"/dashboard/{pub.slug}/subscribers").get_data(as_text=True)
    assert "1 reader confirmed and waiting: the Free plan includes 3 active readers" in page
    assert "Upgrade to add them" in page and 'href="/billing/"' in page

    # Added by hand without confirmation: waits too.
    response = post_form(
        client,
        f"/dashboard/{pub.slug}/subscribers/new",
        {"email": "handmade@example.org", "consent_note": "Asked in person"},
        f"/dashboard/{pub.slug}/subscribers/new",
    )
    assert response.status_code == 302

    # An import of three active readers: all kept, all waiting.
    url = f"/dashboard/{pub.slug}/subscribers/import"
    csv = (
        b"email,status\nimp1@example.org,active\nimp2@example.org,active\nimp3@example.org,active\n"
    )
    data = {"csrf_token": csrf_token(client, url), "file": (io.BytesIO(csv), "list.csv")}
    assert client.post(url, data=data, content_type="multipart/form-data").status_code == 303
    drain_jobs(app)

    statuses = _statuses(app, pub)
    assert len(statuses) == LIMIT + 5, "no reader is ever dropped"
    assert sum(s == "active" for s in statuses.values()) == LIMIT
    assert _holds(app, pub) == 5
    notices = [m for m in mailbox.messages("maya@example.com") if "waiting" in m["Subject"]]
    assert len(notices) == 1
    assert "5 readers confirmed and waiting" in client.get(
        f"/dashboard/{pub.slug}/issues"
    ).get_data(as_text=True)

    # Upgrading makes room: every waiting reader joins, oldest first, none asked again.
    response = post_form(
        client, "/billing/checkout", {"plan": "pro", "interval": "month"}, "/billing/"
    )
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    billing.deliver(client, billing.stripe.complete_checkout(session_id))
    statuses = _statuses(app, pub)
    assert set(statuses.values()) == {"active"} and len(statuses) == LIMIT + 5
    assert _holds(app, pub) == 0
    welcome = [m for m in mailbox.messages("late@example.org") if "Welcome" in m["Subject"]]
    assert len(welcome) == 1, "the reader who confirmed gets the welcome they waited for"
    assert not mailbox.messages("imp1@example.org"), "imported readers are not mailed"
    assert "waiting" not in client.get(f"/dashboard/{pub.slug}/issues").get_data(as_text=True)


def test_free_plan_refuses_a_second_publication_and_a_custom_domain_with_a_way_up(
    app,
    client,
    full_list,
):
    pub = full_list
    page = client.get("/dashboard/new").get_data(as_text=True)
    assert "Your Free plan includes 1 publication. Upgrade to Pro to lift it." in page
    assert "See plans and upgrade" in page
    response = post_form(client, "/dashboard/new", {"name": "Second"}, "/dashboard/new")
    assert response.status_code == 403

    settings = f"/dashboard/{pub.slug}/settings"
    data = {
        "name": "Full List",
        "accent_color": "#2f6f5e",
        "timezone": "UTC",
        "max_send_rate": "20",
        "custom_domain": "letters.example.com",
    }
    response = post_form(client, settings, data, settings)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Custom domains are not part of the Free plan. Upgrade to Pro to lift it." in html
    assert 'href="/billing/"' in html
    with app.app_context():
        assert db.session.get(Publication, pub.id).custom_domain is None
        assert db.session.scalar(select(func.count()).select_from(Publication)) == 1
