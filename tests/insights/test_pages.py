"""The dashboard home is where signing in lands; it and the issue report show the counts,
teach when there is nothing yet, and give every chart as CSV."""

from __future__ import annotations

import csv
import io

from saas.audience import subscribers
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from saas.publishing.models import Publication
from tests.conftest import login


def _owner_with_publication(factories, slug="calm"):
    owner = factories.user(email=f"owner-{slug}@example.com")
    return owner, factories.publication(owner=owner, slug=slug, name="Calm Letters")


def test_signing_in_lands_on_the_home_and_the_issues_page_stays(app, client, factories):
    owner, pub = _owner_with_publication(factories)
    login(client, owner.email)
    landed = client.get("/dashboard/")
    assert landed.status_code == 302 and landed.headers["Location"].endswith("/dashboard/calm/home")
    assert client.get("/dashboard/calm/").headers["Location"].endswith("/dashboard/calm/home")
    issues = client.get("/dashboard/calm/issues")
    assert issues.status_code == 200
    assert 'href="/dashboard/calm/home"' in issues.get_data(as_text=True)


def test_a_new_publication_sees_what_will_appear_and_the_next_step(app, client, factories):
    owner, _pub = _owner_with_publication(factories)
    login(client, owner.email)
    page = client.get("/dashboard/calm/home").get_data(as_text=True)
    assert "No one has joined yet" in page and "/dashboard/calm/grow" in page
    assert "write your first issue" in page and "/dashboard/calm/issues/new" in page
    assert "Nothing waiting" in page
    assert "Paid readers" not in page  # no paid tier: no paid numbers


def test_home_counts_and_the_growth_csv(app, client, factories):
    owner, pub = _owner_with_publication(factories)
    issue = factories.issue(pub, title="On rest", publish=True)
    with app.test_request_context(), bound_to(pub.id):
        publication = db.session.get(Publication, pub.id)
        for n in range(3):
            subscribers.add_manually(publication, f"r{n}@example.org", "", False, "")
        gone = subscribers.find_by_email(publication, "r0@example.org")
        subscribers.unsubscribe(publication, gone.id, "by hand", issue_id=issue.id)
    login(client, owner.email)
    page = client.get("/dashboard/calm/home").get_data(as_text=True)
    assert '<span class="stat-number">2</span> <span class="muted">subscribers now' in page
    assert '<span class="stat-number">+2</span> <span class="muted">last 7 days' in page
    assert "On rest" in page and f"/dashboard/calm/issues/{issue.id}/report" in page
    download = client.get("/dashboard/calm/home/growth.csv")
    assert download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert (rows[-1]["joined"], rows[-1]["unsubscribed"], rows[-1]["net"]) == ("3", "1", "2")
    report = client.get(f"/dashboard/calm/issues/{issue.id}/report").get_data(as_text=True)
    assert '<span class="stat-number">1</span> <span class="muted">unsubscribed from this' in report
    assert "has not been sent by email" in report


def test_an_issue_report_of_another_publication_is_not_found(app, client, factories):
    owner, _pub = _owner_with_publication(factories)
    _other_owner, other = _owner_with_publication(factories, slug="other")
    theirs = factories.issue(other, publish=True)
    login(client, owner.email)
    assert client.get(f"/dashboard/calm/issues/{theirs.id}/report").status_code == 404
    assert client.get(f"/dashboard/calm/issues/{theirs.id}/report/views.csv").status_code == 404


def test_home_shows_paid_readers_revenue_and_what_needs_attention(app, client, factories):
    from saas.billing.models import ReaderSubscription

    owner, pub = _owner_with_publication(factories)
    issue = factories.issue(pub, publish=True)
    readers = [factories.subscriber(pub) for _ in range(4)]
    tier = factories.paid_tier(pub, monthly_amount=500, yearly_amount=4800)
    with app.app_context(), bound_to(pub.id):
        for n, (reader, interval, status) in enumerate(
            [
                (readers[0], "month", "active"),
                (readers[1], "month", "active"),
                (readers[2], "year", "active"),
                (readers[3], "month", "canceled"),
            ]
        ):
            db.session.add(
                ReaderSubscription(
                    publication_id=pub.id,
                    subscriber_id=reader.id,
                    tier_id=tier.id,
                    stripe_account_id="acct_made_up",
                    stripe_customer_id=f"cus_{n}",
                    stripe_subscription_id=f"sub_{n}",
                    interval=interval,
                    status=status,
                )
            )
        db.session.commit()
    factories.reply(pub, issue, readers[0], status="pending")
    factories.support_request(pub)
    login(client, owner.email)
    page = client.get("/dashboard/calm/home").get_data(as_text=True)
    assert '<span class="stat-number">3</span> <span class="muted">paying now' in page
    # 2 x 5.00 a month + 48.00 a year / 12
    assert '<span class="stat-number">14.00</span> <span class="muted">USD a month' in page
    assert "Replies held for your approval</a> <strong>1</strong>" in page
    assert "New support requests</a> <strong>1</strong>" in page
    assert "Nothing waiting" not in page
