"""What readers see on a publication's public pages, in real Chromium at phone and desktop
widths: the tagline said once on the home page, and a signed-in subscriber told they are
subscribed instead of being asked to subscribe again."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.browser.layout import assert_fits_screen, shot  # noqa: E402

pytestmark = pytest.mark.browser

TAGLINE = "Notes on rest, repair and the slow work of change"
READER = "ada@example.org"


@pytest.fixture()
def slow_work(factories):
    pub = factories.publication(slug="slow", name="Slow Work", tagline=TAGLINE)
    issue = factories.issue(pub, title="On rest", slug="on-rest", publish=True)
    factories.subscriber(pub, email=READER, name="Ada")
    return pub, issue


@pytest.mark.parametrize("kind, width", [("phone", 390), ("desktop", 1200)])
def test_home_page_says_the_tagline_once(
    kind, width, live_server, new_context, slow_work, artifacts
):
    page = new_context(kind).new_page()
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/p/slow/")
    expect(page.get_by_text(TAGLINE)).to_have_count(1)
    expect(page.get_by_role("heading", name="Get new issues by email")).to_be_visible()
    shot(page, artifacts, f"home-{width}")
    assert_fits_screen(page, f"home ({kind})")


@pytest.mark.parametrize("kind, width", [("phone", 390), ("desktop", 1200)])
def test_signed_in_subscriber_is_not_asked_to_subscribe_again(
    kind, width, app, live_server, new_context, slow_work, mailbox, artifacts
):
    page = new_context(kind).new_page()
    page.set_viewport_size({"width": width, "height": 800})
    issue_url = f"{live_server}/p/slow/issues/on-rest"
    page.goto(issue_url)
    expect(page.get_by_role("heading", name="Get new issues by email")).to_be_visible()

    page.get_by_label("Your email address").fill(READER)
    page.get_by_role("button", name="Email me a sign-in link").click()
    link = mailbox.last_link(READER, "/reader/sign-in/").replace("http://localhost", live_server)
    page.goto(link)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{issue_url}**")

    expect(page.get_by_role("heading", name="Get new issues by email")).to_have_count(0)
    expect(page.get_by_role("heading", name="You’re subscribed")).to_be_visible()
    expect(page.locator(".subscribe-box")).to_contain_text(READER)
    page.locator(".subscribe-box").screenshot(path=str(artifacts / f"subscribed-box-{width}.png"))
    assert_fits_screen(page, f"issue page, signed in ({kind})")
    page.goto(f"{live_server}/p/slow/")
    expect(page.get_by_role("heading", name="You’re subscribed")).to_be_visible()
