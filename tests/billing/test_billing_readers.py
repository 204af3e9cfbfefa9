"""Readers paying a publication: the paywall, Checkout on the connected account, access on
the web and by email, cancellation, a failed renewal's grace period, signing in by email."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.audience.models import Subscriber
from saas.billing.models import ReaderSubscription
from saas.core.extensions import db
from saas.core.tenancy import bound_to
from tests.billing_helpers import (  # noqa: F401  (fixtures)
    age_payment_failures,
    billing,
    stripe_server,
)
from tests.conftest import drain_jobs, login, post_form

PREVIEW = "Everyone may read this opening paragraph."
SECRET = "Only paying readers ever see this sentence."
BODY = f"{PREVIEW}\n\n<!-- paywall -->\n\n{SECRET}\n"


@pytest.fixture()
def paid_letters(app, factories, billing):
    """A publication with Stripe connected, one tier and a published paid issue."""
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="letters", name="Quiet Letters")
    account = billing.connect(pub)
    tier = billing.tier(pub, "Supporter", monthly=500, yearly=5000)
    issue = factories.issue(
        pub, title="The deep end", body_markdown=BODY, audience="paid", publish=True
    )
    return pub, issue, tier, account


def _upgrade(client, billing, pub, issue, tier, email, interval="month"):
    """A reader picks a tier on the paywall and pays on the stand-in's Checkout."""
    response = client.post(
        f"/p/{pub.slug}/paid/upgrade",
        data={"email": email, "choice": f"{tier.id}:{interval}", "issue": issue.slug},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert response.headers["Location"].startswith(billing.stripe.base + "/checkout/cs_")
    return response.headers["Location"].rsplit("/", 1)[1]


def _reader_subscription(app, pub, email) -> ReaderSubscription | None:
    with app.app_context(), bound_to(pub.id):
        row = db.session.scalar(
            select(ReaderSubscription)
            .join(Subscriber, Subscriber.id == ReaderSubscription.subscriber_id)
            .where(Subscriber.email == email)
        )
        if row is not None:
            db.session.expunge(row)
        return row


def test_reader_upgrades_and_reads_the_paid_issue_on_the_web_and_by_email(
    app,
    client,
    factories,
    paid_letters,
    billing,
    mailbox,
):
    pub, issue, tier, account = paid_letters
    free_reader = factories.subscriber(pub, email="free@example.org")
    page = client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)
    assert PREVIEW in page and SECRET not in page
    assert "The rest of this issue is for paid subscribers" in page
    assert "$5 a month" in page and "$50 a year" in page

    session_id = _upgrade(client, billing, pub, issue, tier, "paying@example.org")
    created = billing.stripe.calls("POST", "/v1/checkout/sessions")[-1]
    assert created["account"] == account, "the charge is made on the connected account"
    assert created["params"]["customer_email"] == "paying@example.org"
    events = billing.stripe.complete_checkout(session_id, account)
    assert all(r.status_code == 200 for r in billing.deliver(client, events))
    row = _reader_subscription(app, pub, "paying@example.org")
    assert row is not None and row.status == "active" and row.tier_id == tier.id
    welcome = mailbox.messages("paying@example.org")
    assert any("paid subscriber" in m["Subject"] for m in welcome)

    # Back from Checkout: signed in on this browser, the whole issue is there.
    response = client.get(f"/p/{pub.slug}/paid/welcome?session_id={session_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(issue.slug)
    page = client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)
    assert SECRET in page and "for paid subscribers" not in page
    # Another browser still sees the preview.
    assert SECRET not in app.test_client().get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(
        as_text=True
    )

    # By email: the paying reader gets it all, the free reader the preview and a way up.
    login(client, "maya@example.com")
    editor = f"/dashboard/{pub.slug}/issues/{issue.id}"
    assert post_form(client, editor + "/send", {}, editor).status_code in (302, 303)
    drain_jobs(app)
    paid_mail = _issue_mail(mailbox, "paying@example.org", issue.title)
    free_mail = _issue_mail(mailbox, free_reader.email, issue.title)
    for part in ("plain", "html"):
        assert SECRET in paid_mail[part] and PREVIEW in paid_mail[part]
        assert SECRET not in free_mail[part] and PREVIEW in free_mail[part]
        assert f"/p/{pub.slug}/issues/{issue.slug}#upgrade" in free_mail[part]
        assert "#upgrade" not in paid_mail[part]


def _issue_mail(mailbox, to: str, title: str) -> dict[str, str]:
    message = next(m for m in mailbox.messages(to) if title in m["Subject"])
    return {
        part: message.get_body(preferencelist=(part,)).get_content() for part in ("plain", "html")
    }


def test_cancelled_subscription_loses_access_at_its_end(
    app,
    client,
    paid_letters,
    billing,
):
    pub, issue, tier, account = paid_letters
    session_id = _upgrade(client, billing, pub, issue, tier, "leaving@example.org", "year")
    billing.deliver(client, billing.stripe.complete_checkout(session_id, account))
    client.get(f"/p/{pub.slug}/paid/welcome?session_id={session_id}")
    subscription_id = billing.stripe.get(session_id, account)["subscription"]

    billing.deliver(
        client, billing.stripe.change_subscription(subscription_id, cancel_at_period_end=True)
    )
    assert SECRET in client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)
    assert "cancelled and ends on" in client.get(f"/p/{pub.slug}/paid/account").get_data(
        as_text=True
    )

    billing.deliver(client, billing.stripe.change_subscription(subscription_id, cancel_now=True))
    page = client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)
    assert SECRET not in page and "Your paid subscription has ended" in page
    assert _reader_subscription(app, pub, "leaving@example.org").status == "canceled"
    with app.app_context(), bound_to(pub.id):
        reader = db.session.scalar(
            select(Subscriber).where(Subscriber.email == "leaving@example.org")
        )
        assert reader.status == "active", "still a (free) reader after cancelling"


def test_failed_renewal_keeps_access_with_a_notice_then_falls_back(
    app,
    client,
    paid_letters,
    billing,
    mailbox,
):
    pub, issue, tier, account = paid_letters
    session_id = _upgrade(client, billing, pub, issue, tier, "late@example.org")
    billing.deliver(client, billing.stripe.complete_checkout(session_id, account))
    client.get(f"/p/{pub.slug}/paid/welcome?session_id={session_id}")
    subscription_id = billing.stripe.get(session_id, account)["subscription"]

    billing.deliver(client, billing.stripe.fail_renewal(subscription_id))
    page = client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)
    assert SECRET in page and "Your last payment for Quiet Letters didn’t go through" in page
    assert any("didn’t go through" in m["Subject"] for m in mailbox.messages("late@example.org"))

    age_payment_failures(app, ReaderSubscription, days=8)
    page = client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)
    assert SECRET not in page and "for paid subscribers" in page

    # The card is fixed and the retry succeeds: full access again.
    billing.deliver(client, billing.stripe.pay_renewal(subscription_id))
    assert SECRET in client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)


def test_paying_reader_signs_in_on_another_device_by_email(
    app,
    client,
    paid_letters,
    billing,
    mailbox,
):
    pub, issue, tier, account = paid_letters
    session_id = _upgrade(client, billing, pub, issue, tier, "device@example.org")
    billing.deliver(client, billing.stripe.complete_checkout(session_id, account))

    phone = app.test_client()
    response = phone.post(
        f"/p/{pub.slug}/paid/account",
        data={"email": "device@example.org", "next": f"issue:{issue.slug}"},
    )
    assert "Check your email" in response.get_data(as_text=True)
    # Nobody learns whether an address pays: same answer, no mail.
    stranger = phone.post(f"/p/{pub.slug}/paid/account", data={"email": "nobody@example.org"})
    assert "Check your email" in stranger.get_data(as_text=True)
    assert not mailbox.messages("nobody@example.org")

    link = mailbox.last_link("device@example.org", "/paid/access/").replace("http://localhost", "")
    response = phone.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith(issue.slug)
    assert SECRET in phone.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)

    # Manage: the portal on the connected account, for this reader's customer.
    response = phone.post(f"/p/{pub.slug}/paid/portal")
    assert response.status_code == 303 and "/portal/bps_" in response.headers["Location"]
    portal = billing.stripe.calls("POST", "/v1/billing_portal/sessions")[-1]
    assert portal["account"] == account
    assert (
        portal["params"]["customer"]
        == _reader_subscription(app, pub, "device@example.org").stripe_customer_id
    )

    # An already-paying address pressing Upgrade again gets a sign-in link, not a second charge.
    response = phone.post(
        f"/p/{pub.slug}/paid/upgrade",
        data={"email": "device@example.org", "choice": f"{tier.id}:month", "issue": issue.slug},
    )
    assert response.status_code == 302 and "#upgrade" in response.headers["Location"]
    assert len(billing.stripe.calls("POST", "/v1/checkout/sessions")) == 1


def test_platform_fee_goes_with_the_checkout_when_configured(
    app,
    client,
    paid_letters,
    billing,
):
    pub, issue, tier, account = paid_letters
    app.config["PLATFORM_FEE_PERCENT"] = 5.0
    _upgrade(client, billing, pub, issue, tier, "fee@example.org")
    created = billing.stripe.calls("POST", "/v1/checkout/sessions")[-1]["params"]
    assert created["subscription_data"]["application_fee_percent"] == "5.0"


def test_practitioner_and_editors_read_their_paid_issue_in_full(
    app,
    client,
    paid_letters,
):
    pub, issue, _, _ = paid_letters
    login(client, "maya@example.com")
    assert SECRET in client.get(f"/p/{pub.slug}/issues/{issue.slug}").get_data(as_text=True)


def test_feeds_carry_only_the_preview_of_a_paid_issue(app, client, paid_letters):
    pub, issue, _, _ = paid_letters
    for feed in ("feed.xml", "atom.xml"):
        xml = client.get(f"/p/{pub.slug}/{feed}").get_data(as_text=True)
        assert PREVIEW in xml and SECRET not in xml and "Continue reading" in xml
    archive = client.get(f"/p/{pub.slug}/archive").get_data(as_text=True)
    assert "paid-mark" in archive


def test_one_reader_identity_serves_paid_access_and_replies(
    app, client, paid_letters, billing, mailbox
):
    """Signed in once, by either door, the reader can both read the paid issue and reply."""
    from tests.conftest import csrf_token
    from tests.reply_helpers import issue_page, post_reply, replies_of, sign_in_reader

    pub, issue, tier, account = paid_letters
    session_id = _upgrade(client, billing, pub, issue, tier, "both@example.org")
    billing.deliver(client, billing.stripe.complete_checkout(session_id, account))

    # The paid sign-in link alone lets the reader reply too.
    phone = app.test_client()
    phone.post(f"/p/{pub.slug}/paid/account", data={"email": "both@example.org"})
    phone.get(
        mailbox.last_link("both@example.org", "/paid/access/").replace("http://localhost", "")
    )
    assert SECRET in issue_page(phone, pub, issue)
    assert post_reply(phone, pub, issue, "Thank you for this one.").status_code in (302, 303)
    assert [reply.body_text for reply in replies_of(app, pub)] == ["Thank you for this one."]

    # Signing out of the replies signs out of paid reading on that device as well.
    phone.post(f"/p/{pub.slug}/reader/sign-out", data={"csrf_token": csrf_token(phone)})
    assert SECRET not in issue_page(phone, pub, issue)

    # The replies' sign-in link opens the paid issue on a new device.
    laptop = app.test_client()
    sign_in_reader(laptop, mailbox, pub, issue, "both@example.org")
    assert SECRET in issue_page(laptop, pub, issue)
