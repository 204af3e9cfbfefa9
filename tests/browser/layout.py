"""Helpers for browser tests: sign a practitioner in, check a page fits its screen, screenshot."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.factories import PASSWORD


def sign_in(page: Page, live_server: str, email: str) -> None:
    """Sign a practitioner in through the real form."""
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/dashboard/**")


def assert_fits_screen(page: Page, name: str) -> None:
    """Nothing on the page is wider than the screen it is shown on."""
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: page is {scroll_width}px wide on a {width}px screen"


def shot(page: Page, artifacts: Path, name: str) -> None:
    """A full-page screenshot in tests/artifacts/ (git-ignored)."""
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
