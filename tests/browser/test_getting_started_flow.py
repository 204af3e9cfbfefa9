"""A new practitioner names a publication and follows its checklist, on a phone and a laptop."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

from saas.core.extensions import db  # noqa: E402
from saas.publishing.models import Publication  # noqa: E402
from tests.browser.layout import assert_fits_screen, shot, sign_in  # noqa: E402

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1200, "height": 800}


def _checklist(page: Page):
    return page.get_by_role("region", name="Getting started")


def _back_to_issues(page: Page) -> None:
    nav = page.get_by_role("navigation", name="Publication")
    nav.get_by_role("link", name="Issues").click()


def test_new_practitioner_names_a_publication_and_ticks_off_the_checklist(
    app, live_server, new_context, factories, artifacts
):
    factories.user(email="maya@example.com", name="Maya Lindqvist")
    phone = new_context("phone").new_page()
    sign_in(phone, live_server, "maya@example.com")

    # On the phone: only a name and a line about it.
    phone.goto(f"{live_server}/dashboard/new")
    assert_fits_screen(phone, "new publication, 390 px")
    shot(phone, artifacts, "new-publication-phone")
    phone.get_by_label("Publication name").fill("Slow Mornings")
    phone.get_by_role("button", name="Create publication").click()
    expect(phone).to_have_url(f"{live_server}/dashboard/slow-mornings/issues")
    checklist = _checklist(phone)
    expect(checklist).to_contain_text("0 of 4 done")
    assert_fits_screen(phone, "checklist, 390 px")
    shot(phone, artifacts, "getting-started-phone")

    # Sharing the link is done once a first reader joins through it.
    checklist.get_by_role("link", name="Share your subscribe link").click()
    expect(phone.get_by_role("heading", name="Grow your list")).to_be_visible()
    expect(phone.get_by_role("link", name=re.compile("slow-mornings.subscribe"))).to_be_visible()
    with app.app_context():
        pub = db.session.query(Publication).filter_by(slug="slow-mornings").one()
    factories.subscriber(pub, email="first.reader@example.com")
    _back_to_issues(phone)
    expect(checklist).to_contain_text("1 of 4 done")
    expect(checklist.locator("li.step-done")).to_contain_text("Share your subscribe link")

    checklist.get_by_role("link", name="Set up “ways I can help”").click()
    phone.get_by_role("button", name="Save the support form").click()
    _back_to_issues(phone)
    expect(checklist).to_contain_text("2 of 4 done")

    # On the laptop: invite an editor and publish issue 1; then the checklist is gone.
    laptop = new_context("desktop").new_page()
    laptop.set_viewport_size(LAPTOP)
    sign_in(laptop, live_server, "maya@example.com")
    laptop.goto(f"{live_server}/dashboard/slow-mornings/issues")
    checklist = _checklist(laptop)
    assert_fits_screen(laptop, "checklist, 1200 px")
    shot(laptop, artifacts, "getting-started-laptop")
    checklist.get_by_role("link", name="Invite an editor").click()
    laptop.get_by_label("Editor's email").fill("sam@example.com")
    laptop.get_by_role("button", name="Send invitation").click()
    _back_to_issues(laptop)
    expect(checklist).to_contain_text("3 of 4 done")

    checklist.get_by_role("link", name="Write issue 1").click()
    laptop.get_by_label("Title", exact=True).fill("Coming back to the breath")
    laptop.get_by_label("Body").fill("A short first letter.")
    laptop.get_by_role("button", name="Save draft").click()
    laptop.get_by_role("button", name="Publish", exact=True).click()
    expect(laptop.get_by_text("Published as Issue 1.")).to_be_visible()
    _back_to_issues(laptop)
    expect(laptop.get_by_role("link", name="Coming back to the breath", exact=True)).to_be_visible()
    expect(checklist).to_have_count(0)
    shot(laptop, artifacts, "getting-started-done-laptop")
