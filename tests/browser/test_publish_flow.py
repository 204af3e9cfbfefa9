"""A practitioner's first hour, in real Chromium: sign up, confirm, create a publication,
write and publish Issue 1, and find it on the public site; screenshots at two widths."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

from saas.publishing.rendering import (  # noqa: E402
    format_read_time_long,
    format_read_time_short,
    read_seconds,
    render_markdown,
)

pytestmark = pytest.mark.browser

EMAIL = "maya@example.com"
PASSWORD = "a long passphrase"
SLUG = "slow-mornings"
TITLE = "Rest is part of the work"
PARAGRAPH = (
    "Most of the people I see arrive tired in a way that sleep does not fix. "
    "They have been carrying something for a long time, and nobody told them "
    "they were allowed to set it down for a while. "
)
BODY = (
    "This month I want to talk about **rest**, and why it belongs in your week.\n\n"
    "## Three small practices\n\n"
    "- Take one slow breath before you open your inbox.\n"
    "- Eat lunch away from a screen.\n"
    "- Walk without headphones for ten minutes.\n\n"
    "> Rest is not a reward for finishing. It is how we keep going.\n\n"
    + "\n\n".join([PARAGRAPH * 3] * 4)
)
SECONDS = read_seconds(render_markdown(BODY))
READ_TIME = format_read_time_long(SECONDS)  # "2 minutes 11 seconds"


def _no_horizontal_overflow(page: Page, name: str) -> None:
    """Nothing may be wider than the viewport (the classic phone-layout bug).

    Compared with the configured width: a mobile browser widens its layout viewport
    (and so window.innerWidth) to fit content that overflows.
    """
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: page is {scroll_width}px wide on a {width}px screen"


def _shot(page: Page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def test_practitioner_signs_up_publishes_issue_one_and_readers_see_it(
    live_server, new_context, mailbox, artifacts
):
    desktop = new_context("desktop")
    page = desktop.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))

    # Sign up.
    page.goto(f"{live_server}/signup")
    page.get_by_label("Your name").fill("Maya Lindqvist")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # Confirm through the link mailed to the SMTP sink (drains the queue when it is Redis).
    link = mailbox.last_link(EMAIL, "/signup/confirm/")
    page.goto(link.replace("http://localhost", live_server, 1))
    expect(page).to_have_url(f"{live_server}/dashboard/")
    expect(page.get_by_text("Your email is confirmed.")).to_be_visible()

    # Create the publication.
    page.get_by_role("link", name="Create a publication").click()
    page.get_by_label("Publication name").fill("Slow Mornings")
    page.get_by_label("One line about it").fill(
        "Letters on rest, breath and coming back to the body."
    )
    page.get_by_role("button", name="Create publication").click()
    expect(page).to_have_url(f"{live_server}/dashboard/{SLUG}/issues")
    expect(page.get_by_text("Slow Mornings is ready.")).to_be_visible()
    expect(page.get_by_role("heading", name="Getting started")).to_be_visible()

    # The rest of the publication's details wait in Settings.
    nav = page.get_by_role("navigation", name="Publication")
    nav.get_by_role("link", name="Settings").click()
    page.get_by_label("About").fill(
        "A monthly letter from a somatic therapist in Uppsala.\n\n"
        "Short practices, honest stories, no hustle."
    )
    page.get_by_label("Author display name").fill("Maya Lindqvist")
    page.get_by_label("Sign-off").fill("With care, Maya")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    nav.get_by_role("link", name="Issues").click()

    # Write the issue; the live preview follows the Markdown as it is typed.
    page.get_by_role("link", name="Write issue 1").click()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Subtitle").fill("Why slowing down is not a luxury")
    body = page.get_by_label("Body")
    body.click()
    # Most of it pasted, the last lines typed key by key: the preview must follow both.
    body.fill(BODY[:-120])
    body.press_sequentially(BODY[-120:], timeout=30_000)
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Three small practices")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("rest")
    expect(preview.locator("blockquote")).to_contain_text("Rest is not a reward")
    expect(preview.locator("p").last).to_contain_text("set it down for a while.")
    expect(page.locator("#preview-read-time")).to_have_text(f"Read Time: {READ_TIME}")
    _shot(page, artifacts, "editor-desktop")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    editor_url = page.url
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Published as Issue 1.")).to_be_visible()
    expect(page.locator(".page-head .eyebrow")).to_contain_text("Issue 1")

    # The dashboard lists it as published Issue 1.
    page.get_by_role("navigation", name="Publication").get_by_role("link", name="Issues").click()
    row = page.locator("table.issues-table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td.num")).to_have_text("1")
    expect(row.get_by_role("link", name=TITLE, exact=True)).to_be_visible()
    expect(row.locator(".status")).to_have_text("published")
    expect(row).to_contain_text(format_read_time_short(SECONDS))
    _shot(page, artifacts, "dashboard-issues-desktop")

    # Readers see it on the public home page and on its own page, with its read time.
    page.get_by_role("link", name="View site").click()
    expect(page).to_have_url(f"{live_server}/p/{SLUG}/")
    item = page.locator(".issue-list .issue-item")
    expect(item).to_have_count(1)
    expect(item.locator(".issue-meta")).to_contain_text("Issue 1")
    _shot(page, artifacts, "public-home-desktop")
    item.get_by_role("link", name=TITLE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    meta = page.locator(".issue-head .issue-meta")
    expect(meta).to_contain_text("Issue 1")
    expect(meta).to_have_text(f"Issue 1 · Read Time: {READ_TIME}")
    expect(page.locator(".prose h2")).to_have_text("Three small practices")
    expect(page.get_by_text("With care, Maya")).to_be_visible()
    issue_url = page.url
    _shot(page, artifacts, "public-issue-desktop")

    # The same four pages at phone width, signed in as the same practitioner.
    phone = new_context("phone", storage_state=desktop.storage_state()).new_page()
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    pages = [
        ("dashboard-issues", f"{live_server}/dashboard/{SLUG}/issues", "Issues"),
        ("editor", editor_url, TITLE),
        ("public-home", f"{live_server}/p/{SLUG}/", "Slow Mornings"),
        ("public-issue", issue_url, TITLE),
    ]
    for name, url, heading in pages:
        phone.goto(url)
        expect(phone.get_by_role("heading", level=1)).to_have_text(heading)
        _no_horizontal_overflow(phone, name)
        _shot(phone, artifacts, f"{name}-phone")
    expect(phone.locator(".issue-head .issue-meta")).to_contain_text("Read Time:")

    assert errors == []
