"""A reader meets the paywall in real Chromium and goes to Checkout; the practitioner's
billing pages; screenshots of each at desktop and phone widths (tests/artifacts/)."""

# ruff: noqa: F811  (pytest fixtures are imported, then named as parameters)

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.billing_helpers import billing, stripe_server  # noqa: E402, F401  (fixtures)
from tests.factories import PASSWORD  # noqa: E402

pytestmark = pytest.mark.browser

PREVIEW = "Most of what I learned about grief, I learned from people who let me sit with them."
SECRET = "Here is the practice I promised, step by step."
BODY = (
    f"{PREVIEW} They did not need me to fix anything.\n\n"
    "## Why a practice, not a plan\n\n"
    + "A plan asks you to know where you are going. A practice asks you to turn up. " * 4
    + "\n\n<!-- paywall -->\n\n"
    + f"{SECRET}\n\n"
    + "Breathe out for longer than you breathe in. " * 20
)


def _no_horizontal_overflow(page: Page, name: str) -> None:
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: page is {scroll_width}px wide on a {width}px screen"


def _shot(page: Page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


@pytest.fixture()
def paid_issue(factories, billing):
    owner = factories.user(email="maya@example.com", name="Maya Lindqvist")
    pub = factories.publication(
        owner=owner, slug="slow-mornings", name="Slow Mornings", tagline="Letters on rest"
    )
    billing.connect(pub)
    billing.tier(pub, "Supporter", monthly=500, yearly=5000)
    tier = billing.tier(pub, "Circle", monthly=1500, yearly=15000)
    factories.subscriber(pub, email="already@example.org")
    issue = factories.issue(
        pub,
        title="Sitting with grief",
        subtitle="What the people I work with taught me",
        body_markdown=BODY,
        audience="paid",
        publish=True,
    )
    return pub, issue, tier


def test_reader_meets_the_paywall_and_goes_to_checkout(
    live_server, new_context, artifacts, paid_issue, billing
):
    pub, issue, tier = paid_issue
    url = f"{live_server}/p/{pub.slug}/issues/{issue.slug}"
    for kind in ("phone", "desktop"):
        page = new_context(kind).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.goto(url)
        expect(page.get_by_text(PREVIEW)).to_be_visible()
        expect(page.get_by_text(SECRET)).to_have_count(0)
        paywall = page.get_by_role("region", name="The rest of this issue is for paid subscribers")
        expect(paywall).to_be_visible()
        expect(paywall.get_by_role("button", name="$15 a month")).to_be_visible()
        expect(paywall.get_by_role("button", name="$50 a year")).to_be_visible()
        _no_horizontal_overflow(page, f"paywall {kind}")
        paywall.scroll_into_view_if_needed()
        _shot(page, artifacts, f"paywall-{kind}")
        assert not errors

    # Upgrade: an email, a price, and off to Stripe's (stand-in) Checkout.
    paywall.get_by_label("Your email").fill("new.reader@example.org")
    paywall.get_by_role("button", name="$15 a month").click()
    page.wait_for_url(f"{billing.stripe.base}/checkout/cs_*")
    expect(page.get_by_role("heading", name="Stand-in Stripe Checkout")).to_be_visible()
    created = billing.stripe.calls("POST", "/v1/checkout/sessions")[-1]
    assert created["params"]["customer_email"] == "new.reader@example.org"
    assert created["params"]["line_items"][0]["price"] == tier.stripe_monthly_price_id
    assert created["params"]["cancel_url"].endswith(f"/issues/{issue.slug}#upgrade")


def test_practitioner_billing_pages(live_server, new_context, artifacts, paid_issue, billing):
    pub, _, _ = paid_issue
    for kind in ("desktop", "phone"):
        page = new_context(kind).new_page()
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill("maya@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{live_server}/billing/")
        expect(page.get_by_role("heading", name="Plan and billing")).to_be_visible()
        expect(page.get_by_text("$12 a month")).to_be_visible()
        expect(page.get_by_role("button", name="Upgrade, pay monthly").first).to_be_visible()
        _no_horizontal_overflow(page, f"billing {kind}")
        _shot(page, artifacts, f"billing-plan-{kind}")
        page.goto(f"{live_server}/dashboard/{pub.slug}/paid")
        expect(page.get_by_role("heading", name="Paid subscriptions")).to_be_visible()
        expect(page.get_by_role("link", name="Circle")).to_be_visible()
        _no_horizontal_overflow(page, f"paid tiers {kind}")
        _shot(page, artifacts, f"billing-paid-{kind}")
        page.goto(f"{live_server}/dashboard/{pub.slug}/issues")
        page.get_by_role("link", name="Sitting with grief", exact=True).click()
        expect(page.get_by_label("Who can read it in full")).to_have_value("paid")
        expect(page.get_by_role("button", name="Insert paywall break")).to_be_visible()
        _shot(page, artifacts, f"editor-paid-{kind}")
