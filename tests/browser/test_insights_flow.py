"""The practitioner signs in and lands on the dashboard home: growth, sources, the latest
issue; from there, the issue's report. Screenshots at desktop and phone widths."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")

from playwright.sync_api import expect  # noqa: E402
from sqlalchemy import select  # noqa: E402

from saas.core.extensions import db  # noqa: E402
from saas.publishing.models import Publication  # noqa: E402
from saas.site.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_SLUG, seed_demo  # noqa: E402

pytestmark = pytest.mark.browser


def test_sign_in_lands_on_home_and_the_issue_report_opens(app, live_server, new_context, artifacts):
    with app.test_request_context():
        seed_demo()
        assert db.session.scalar(select(Publication.id).where(Publication.slug == DEMO_SLUG))
    for kind, width in (("desktop", 1280), ("phone", 390)):
        page = new_context(kind).new_page()
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(DEMO_EMAIL)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{live_server}/dashboard/{DEMO_SLUG}/home")
        expect(page.get_by_text("subscribers now")).to_be_visible()
        expect(
            page.get_by_role("img", name="Readers joining and leaving per week")
        ).to_be_attached()
        page.get_by_text("Show the numbers").first.click()
        expect(page.get_by_role("columnheader", name="Net")).to_be_visible()
        page.screenshot(path=str(artifacts / f"insights-home-{width}.png"), full_page=True)
        page.get_by_role("link", name="Full report").click()
        expect(page.get_by_role("heading", name="Delivery")).to_be_visible()
        expect(page.get_by_role("heading", name="Web views")).to_be_visible()
        page.screenshot(path=str(artifacts / f"insights-report-{width}.png"), full_page=True)
        # The old issues page keeps its address and its place in the navigation.
        nav = page.get_by_role("navigation", name="Publication")
        nav.get_by_role("link", name="Issues").click()
        expect(page).to_have_url(f"{live_server}/dashboard/{DEMO_SLUG}/issues")
