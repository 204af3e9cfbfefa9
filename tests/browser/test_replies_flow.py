"""A reader and a practitioner talk, in real Chromium: the reader signs in by the emailed
link, replies on the issue's page; the practitioner finds it in the inbox and answers, by
email and on the page; the answer arrives in the reader's mail. Screenshots at two widths."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.factories import PASSWORD  # noqa: E402

pytestmark = pytest.mark.browser

READER = "ada@example.org"
OWNER = "maya@example.com"
REPLY = "This helped me more than I expected. I tried the *slow breath* before opening my inbox."
EMAIL_ANSWER = "Thank you, Ada. Small things first, always."
PUBLIC_ANSWER = "So glad it landed. The breath is the whole practice, really."


def _no_horizontal_overflow(page: Page, name: str) -> None:
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: page is {scroll_width}px wide on a {width}px screen"


def _shot(page: Page, artifacts, name: str, selector: str | None = None) -> None:
    path = str(artifacts / f"{name}.png")
    if selector:
        page.locator(selector).screenshot(path=path)
    else:
        page.screenshot(path=path, full_page=True)


def _watch(page: Page, errors: list[str]) -> Page:
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    return page


def test_reader_replies_and_the_practitioner_answers_from_the_inbox(
    live_server, new_context, factories, mailbox, artifacts
):
    owner = factories.user(email=OWNER, name="Maya Lindqvist")
    pub = factories.publication(
        owner=owner, slug="slow-mornings", name="Slow Mornings", author_name="Maya Lindqvist"
    )
    issue = factories.issue(
        pub, title="Rest is part of the work", slug="rest", publish=True,
        body_markdown="Most of the people I see arrive tired. " * 30,
    )  # fmt: skip
    factories.subscriber(pub, email=READER, name="Ada Lovelace")
    bea = factories.subscriber(pub, email="bea@example.org", name="Bea")
    factories.reply(pub, issue, bea, "Reading this on the train. **Thank you.**")
    errors: list[str] = []
    issue_url = f"{live_server}/p/{pub.slug}/issues/{issue.slug}"

    # The reader asks for a sign-in link at the foot of the issue.
    reader = new_context("desktop")
    page = _watch(reader.new_page(), errors)
    page.goto(issue_url)
    section = page.locator("#replies")
    expect(section.get_by_text("Sign in or subscribe to participate.")).to_be_visible()
    _shot(page, artifacts, "public-replies-signed-out-desktop", "#replies")
    section.get_by_label("Your email address").fill(READER)
    section.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # The link from the mail, then Continue: signed in, back at the issue's replies.
    link = mailbox.last_link(READER, "/reader/sign-in/")
    page.goto(link.replace("http://localhost", live_server, 1))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{issue_url}#replies")
    section = page.locator("#replies")
    expect(section.get_by_text("Signed in as Ada Lovelace")).to_be_visible()
    section.get_by_label("Your reply", exact=True).fill(REPLY)
    section.get_by_role("button", name="Post reply").first.click()
    expect(page.get_by_text("Your reply is up.")).to_be_visible()
    mine = page.locator(".reply-thread").last
    expect(mine.locator(".reply-body em")).to_have_text("slow breath")
    expect(mine.get_by_role("link", name="Edit")).to_be_visible()
    expect(page.locator(".reply-count")).to_have_text("2")

    # The practitioner signs in and finds it in the inbox, counted in the navigation.
    practitioner = new_context("desktop")
    desk = _watch(practitioner.new_page(), errors)
    desk.goto(f"{live_server}/login")
    desk.get_by_label("Email").fill(OWNER)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    nav = desk.get_by_role("navigation", name="Publication")
    inbox_link = nav.get_by_role("link", name=re.compile(r"^Inbox"))
    expect(inbox_link).to_have_text(re.compile(r"Inbox\s*2 unread"))
    inbox_link.click()
    expect(desk.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    row = desk.locator(".inbox-row").first
    expect(row).to_contain_text("Ada Lovelace")
    expect(row).to_contain_text("This helped me more than I expected.")
    _shot(desk, artifacts, "inbox-desktop")

    # The conversation: answer by email, then publicly on the thread.
    row.locator("a").click()
    expect(desk.get_by_role("heading", name="Ada Lovelace", level=1)).to_be_visible()
    message = desk.locator(".convo-item").first
    message.get_by_label("Your answer to Ada Lovelace").fill(EMAIL_ANSWER)
    message.get_by_role("button", name="Send by email").click()
    expect(desk.get_by_text("Your answer is on its way to the reader’s inbox.")).to_be_visible()
    first = desk.locator(".convo-item").first
    box = first.get_by_label("Your answer to Ada Lovelace")
    if not box.is_visible():
        first.locator("summary").click()
    box.fill(PUBLIC_ANSWER)
    first.get_by_role("button", name="Post publicly").click()
    expect(desk.get_by_text("Your answer is on the issue’s page.")).to_be_visible()
    expect(desk.locator(".convo-author")).to_have_count(2)
    _shot(desk, artifacts, "inbox-conversation-desktop")

    # The answer arrives in the reader's mail, threaded under the issue they answered.
    received = {message["Subject"]: message for message in mailbox.messages(READER)}
    answer = received["Re: Rest is part of the work"]
    assert answer["In-Reply-To"].startswith(f"<issue-{issue.id}.sub-")
    assert EMAIL_ANSWER in answer.get_body(preferencelist=("plain",)).get_content()
    # The public answer is announced too, without either side's words.
    notice = received["Maya Lindqvist answered your reply to “Rest is part of the work”"]
    notice_text = notice.get_body(preferencelist=("plain",)).get_content()
    assert PUBLIC_ANSWER not in notice_text and "#reply-" in notice_text

    # The reader sees the public answer, marked as the author's.
    page.goto(issue_url)
    author_reply = page.locator(".reply-by-author")
    expect(author_reply).to_contain_text(PUBLIC_ANSWER)
    expect(author_reply.locator(".reply-author-badge")).to_have_text("Author")
    _shot(page, artifacts, "public-replies-desktop", "#replies")

    # Phones: the reader's reply section and the practitioner's inbox.
    phone_reader = _watch(
        new_context("phone", storage_state=reader.storage_state()).new_page(), errors
    )
    phone_reader.goto(issue_url)
    expect(phone_reader.locator(".reply-by-author")).to_be_visible()
    _no_horizontal_overflow(phone_reader, "public replies")
    _shot(phone_reader, artifacts, "public-replies-phone", "#replies")
    phone_stranger = _watch(new_context("phone").new_page(), errors)
    phone_stranger.goto(issue_url)
    expect(phone_stranger.get_by_text("Sign in or subscribe to participate.")).to_be_visible()
    _no_horizontal_overflow(phone_stranger, "public replies, signed out")
    _shot(phone_stranger, artifacts, "public-replies-signed-out-phone", "#replies")
    phone_desk = _watch(
        new_context("phone", storage_state=practitioner.storage_state()).new_page(), errors
    )
    phone_desk.goto(f"{live_server}/dashboard/{pub.slug}/inbox")
    expect(phone_desk.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    _no_horizontal_overflow(phone_desk, "inbox")
    _shot(phone_desk, artifacts, "inbox-phone")
    phone_desk.locator(".inbox-row a").first.click()
    expect(phone_desk.locator(".convo-item").first).to_be_visible()
    _no_horizontal_overflow(phone_desk, "conversation")
    _shot(phone_desk, artifacts, "inbox-conversation-phone")

    assert errors == []
