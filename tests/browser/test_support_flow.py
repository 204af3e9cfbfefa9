"""A reader asks for support from an issue page; the practitioner works the request through
the stages and answers by email; the reader gets the answer, threaded. Real Chromium, with
screenshots of the form, the board and the request at desktop and phone widths."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Page, expect  # noqa: E402

from tests.factories import PASSWORD  # noqa: E402
from tests.support_helpers import requests_of, text_of  # noqa: E402

pytestmark = pytest.mark.browser

OWNER = "maya@example.com"
READER = "robin@example.org"
MESSAGE = (
    "Your letter about grief landed hard. My mother died in the spring and I still cannot "
    "sleep through the night.\n\nI would like to talk to someone. Evenings suit me best."
)
ANSWER = (
    "Dear Robin,\n\nThank you for trusting me with this. I have an evening space on "
    "Thursdays; shall we start with a free first conversation?\n\nWarmly, Maya"
)


def _no_horizontal_overflow(page: Page, name: str) -> None:
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: page is {scroll_width}px wide on a {width}px screen"


def _shot(page: Page, artifacts, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def _watch(page: Page, errors: list[str]) -> Page:
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    return page


def test_reader_asks_practitioner_works_it_through_and_answers(
    app, live_server, new_context, mailbox, artifacts, factories
):
    owner = factories.user(email=OWNER, name="Maya Lindqvist")
    pub = factories.publication(
        owner=owner, slug="slow-mornings", name="Slow Mornings", author_name="Maya Lindqvist"
    )
    factories.issue(pub, title="Rest is part of the work", publish=True)
    issue = factories.issue(pub, title="What grief asks of the body", publish=True)
    errors: list[str] = []

    # The reader finishes the issue and asks for support.
    reader = _watch(new_context("phone").new_page(), errors)
    reader.goto(f"{live_server}/p/slow-mornings/issues/{issue.slug}")
    box = reader.locator(".support-box")
    expect(box.get_by_role("heading", name="Need more support?")).to_be_visible()
    box.scroll_into_view_if_needed()
    reader.screenshot(path=str(artifacts / "support-issue-box-phone.png"))
    box.get_by_role("link", name="Ask for support").click()
    expect(reader).to_have_url(re.compile(rf"/support\?from={issue.number}$"))
    expect(reader.get_by_text("This form is not for emergencies")).to_be_visible()
    reader.get_by_label("Your name").fill("Robin Reader")
    reader.get_by_label("Email address").fill(READER)
    reader.get_by_label("Phone (optional)").fill("+44 7700 900123")
    reader.get_by_label("What would you like support with?").fill(MESSAGE)
    reader.get_by_label(re.compile("I agree that Maya Lindqvist may keep")).check()
    expect(reader.get_by_label(re.compile("Also send me the newsletter"))).not_to_be_checked()
    _no_horizontal_overflow(reader, "support form (phone)")
    _shot(reader, artifacts, "support-form-phone")
    reader.wait_for_timeout(3200)  # a person takes longer than the minimum fill time
    reader.get_by_role("button", name="Send to Maya Lindqvist").click()
    expect(reader.get_by_role("heading", name="Message sent")).to_be_visible()
    expect(reader.get_by_text("You can expect an answer within two working days.")).to_be_visible()
    expect(reader.get_by_text("call or text 988")).to_be_visible()
    [stored] = requests_of(app, pub)
    assert stored.source_issue_number == issue.number and stored.message == MESSAGE
    [ack] = mailbox.messages(READER)
    assert "not for emergencies" in text_of(ack).lower() and "cannot sleep" not in text_of(ack)

    # The practitioner signs in; the navigation counts the new request.
    desktop = new_context("desktop")
    page = _watch(desktop.new_page(), errors)
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation", name="Publication")
    expect(nav.get_by_role("link", name="Support 1 new")).to_be_visible()
    nav.get_by_role("link", name=re.compile("^Support")).click()
    new_column = page.locator("section.board-new")
    card = new_column.locator(".support-card").filter(has_text="Robin Reader")
    expect(card).to_contain_text(f"From Issue {issue.number}: What grief asks of the body")
    _shot(page, artifacts, "support-board-desktop")

    # Detail: the message, then through the stages, a private note and an answer by email.
    card.get_by_role("link", name="Robin Reader").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin Reader")
    expect(page.locator(".message-body")).to_have_text(MESSAGE)
    page.get_by_role("button", name="Contacted").click()
    expect(page.get_by_text("Moved to Contacted.")).to_be_visible()
    page.get_by_label("Add a note").fill("Grief after a parent's death; offer Thursday 19:00.")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Note saved.")).to_be_visible()
    page.get_by_label("Your answer").fill(ANSWER)
    page.get_by_role("button", name=f"Send answer to {READER}").click()
    expect(page.get_by_text("Your answer is on its way.")).to_be_visible()
    page.get_by_role("button", name="Booked").click()
    expect(page.get_by_text("Moved to Booked.")).to_be_visible()
    timeline = page.locator(".support-timeline")
    expect(timeline).to_contain_text("New → Contacted")
    expect(timeline).to_contain_text("Contacted → Booked")
    expect(timeline).to_contain_text("offer Thursday 19:00")
    _shot(page, artifacts, "support-detail-desktop")

    # The reader receives the answer, threaded under the acknowledgement.
    acked, answer = mailbox.messages(READER)
    assert answer["In-Reply-To"] == acked["Message-ID"]
    assert answer["Subject"] == "Re: Your message to Maya Lindqvist"
    assert "an evening space on Thursdays" in text_of(answer)
    page.reload()
    expect(timeline.locator(".event-emailed")).to_contain_text("Sent")

    # The same pages on a phone: stacked lists, nothing wider than the screen.
    phone = _watch(new_context("phone", storage_state=desktop.storage_state()).new_page(), errors)
    phone.goto(f"{live_server}/dashboard/slow-mornings/support")
    expect(phone.locator("section.board-booked")).to_contain_text("Robin Reader")
    _no_horizontal_overflow(phone, "board (phone)")
    _shot(phone, artifacts, "support-board-phone")
    phone.goto(page.url)
    expect(phone.locator(".message-body")).to_be_visible()
    _no_horizontal_overflow(phone, "detail (phone)")
    _shot(phone, artifacts, "support-detail-phone")

    # Closing it from the board: the card moves to the Closed column.
    page.goto(f"{live_server}/dashboard/slow-mornings/support")
    booked_card = page.locator("section.board-booked .support-card").filter(has_text="Robin")
    booked_card.get_by_role("button", name=re.compile("Mark closed")).click()
    expect(page.locator("section.board-closed")).to_contain_text("Robin Reader")
    assert requests_of(app, pub)[0].stage == "closed"

    # The rest of the practitioner's pages render cleanly at both widths.
    for name, path, heading in [
        ("support-list", "support/list?q=grief", "Support requests"),
        ("support-stats", "support/stats", "Support stats"),
        ("support-settings", "support/settings", "Support form"),
    ]:
        for view, kind in ((page, "desktop"), (phone, "phone")):
            view.goto(f"{live_server}/dashboard/slow-mornings/{path}")
            expect(view.get_by_role("heading", level=1)).to_have_text(heading)
            _no_horizontal_overflow(view, f"{name} ({kind})")
            _shot(view, artifacts, f"{name}-{kind}")
    expect(page.locator("svg.bar-chart")).to_have_count(0)  # settings page: no chart
    assert errors == []


@contextmanager
def _practitioner_site(body: bytes):
    """The practitioner's own website: another origin on loopback, serving one page."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_embedded_support_form_on_a_practitioners_site_resizes_to_fit(
    live_server, new_context, factories, artifacts
):
    pub = factories.publication(slug="quiet-hours", name="Quiet Hours", author_name="Ines")
    frame_url = f"{live_server}/p/{pub.slug}/embed/support"
    page = new_context("desktop").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    host_page = (
        "<!doctype html><html lang=en><title>Ines Therapy</title><h1>Work with me</h1>"
        f'<div data-tend-embed="{frame_url}" data-title="Ask Ines for support"></div>'
        f'<script src="{live_server}/static/js/embed.js"></script>'
    ).encode()
    with _practitioner_site(host_page) as site:
        page.goto(site)
        frame_element = page.locator('iframe[title="Ask Ines for support"]')
        expect(frame_element).to_have_count(1)
        frame = page.frame_locator('iframe[title="Ask Ines for support"]')
        expect(frame.get_by_role("heading", name="Need more support?")).to_be_visible()
        expect(frame.get_by_text("This form is not for emergencies")).to_be_visible()
        # The frame grows from its 320px placeholder to the whole form (embed-frame.js -> embed.js).
        page.wait_for_function(
            "() => parseInt(document.querySelector('iframe').style.height, 10) > 900"
        )
        page.screenshot(path=str(artifacts / "support-embed-desktop.png"), full_page=True)
        assert errors == []
