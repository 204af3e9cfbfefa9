"""A practitioner with no readers yet cannot send an issue into the void, and sees why; once
readers come, the issue goes to them, and readers who join later get it from the same send."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from tests.browser.layout import assert_fits_screen, sign_in  # noqa: E402
from tests.conftest import drain_jobs  # noqa: E402

pytestmark = pytest.mark.browser


def test_send_waits_for_readers_and_reaches_those_who_join_later(
    app, live_server, new_context, factories, mailbox, artifacts
):
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="steady", name="Steady Letters")
    issue = factories.issue(pub, title="A letter about breath")
    editor = f"{live_server}/dashboard/steady/issues/{issue.id}"

    for kind in ("phone", "desktop"):
        page = new_context(kind).new_page()
        sign_in(page, live_server, "maya@example.com")
        page.goto(editor)
        send = page.get_by_role("button", name="Publish and send now")
        expect(send).to_be_disabled()
        reason = page.get_by_text("No active readers yet, so there is nobody to send it to.")
        expect(reason).to_be_visible()
        expect(send).to_have_attribute("aria-describedby", "send-now-reason")
        page.locator(".send-panel").screenshot(path=str(artifacts / f"send-panel-{kind}.png"))
        assert_fits_screen(page, f"editor with no readers ({kind})")

    factories.subscriber(pub, email="ada@example.org", name="Ada")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(editor)
    page.get_by_role("button", name="Publish and send now").click()
    # The answer first (the request has then enqueued its jobs), then let workers run them.
    expect(page.get_by_text("Issue 1 is on its way to your readers.")).to_be_visible()
    drain_jobs(app)

    factories.subscriber(pub, email="lin@example.org", name="Lin")
    page.reload()
    page.get_by_role("button", name="Send to 1 new reader").click()
    expect(page.get_by_text("Sending to 1 new reader.")).to_be_visible()
    drain_jobs(app)
    page.reload()
    expect(page.get_by_role("button", name="Send to new readers")).to_be_disabled()
    expect(page.get_by_text("Every active reader has had it.")).to_be_visible()
    page.locator(".page").first.screenshot(path=str(artifacts / "send-new-readers-desktop.png"))
    assert_fits_screen(page, "send page after new readers")
    received = sorted(str(m["To"]) for m in mailbox.messages())
    assert received == ["Ada <ada@example.org>", "Lin <lin@example.org>"]
