"""On her phone, a practitioner sends an issue to part of her list: she picks a segment, sees
how many readers it holds as she picks, and the issue reaches exactly them. Without script,
the "Count" button gives the same count."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402

from saas.audience import tags  # noqa: E402
from saas.audience.models import Subscriber  # noqa: E402
from saas.core.extensions import db  # noqa: E402
from saas.core.tenancy import bound_to  # noqa: E402
from tests.browser.layout import assert_fits_screen, sign_in  # noqa: E402
from tests.conftest import drain_jobs  # noqa: E402

pytestmark = pytest.mark.browser


def _tagged(app, factories, pub, email, names):
    reader = factories.subscriber(pub, email=email, name=email.split("@")[0].title())
    with app.app_context(), bound_to(pub.id):
        tags.add_tags(pub, db.session.get(Subscriber, reader.id), names)


def test_a_segment_send_built_on_a_phone_reaches_exactly_its_readers(
    app, live_server, new_context, factories, mailbox, artifacts
):
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="steady", name="Steady Letters")
    _tagged(app, factories, pub, "ada@example.org", ["retreat-interest"])
    _tagged(app, factories, pub, "bo@example.org", ["retreat-interest", "already-booked"])
    _tagged(app, factories, pub, "cy@example.org", ["recipes"])
    issue = factories.issue(pub, title="Spring retreat: places open")
    editor = f"{live_server}/dashboard/steady/issues/{issue.id}"

    page = new_context("phone").new_page()
    sign_in(page, live_server, "maya@example.com")
    page.goto(editor)
    panel = page.locator(".send-panel")
    recipients = panel.locator("[data-segment-recipients]")
    expect(recipients).to_have_text("to 3 active readers")
    panel.get_by_text("Who gets it:").click()
    tagged_any = panel.get_by_role("group", name="Tagged any of")
    tagged_any.get_by_label("retreat-interest").check()
    expect(recipients).to_have_text("to 2 readers in this segment")
    panel.get_by_role("group", name="Tagged none of").get_by_label("already-booked").check()
    expect(recipients).to_have_text("to 1 reader in this segment")
    expect(panel.locator("[data-segment-summary]")).to_have_text(
        "Active readers · tagged any of: retreat-interest · tagged none of: already-booked"
    )
    panel.screenshot(path=str(artifacts / "segment-send-phone.png"))
    assert_fits_screen(page, "editor with the segment picker open (phone)")

    asked = []

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    panel.get_by_role("button", name="Publish and send now").click()
    expect(page.get_by_text("Issue 1 is on its way to your readers.")).to_be_visible()
    assert asked == ["Publish and send this issue to 1 reader now?"]
    expect(page.locator("[data-send-audience]")).to_have_text(
        "Active readers · tagged any of: retreat-interest · tagged none of: already-booked"
    )
    drain_jobs(app)
    page.reload()
    page.screenshot(path=str(artifacts / "segment-send-record-phone.png"), full_page=True)
    assert_fits_screen(page, "send record of a segment send (phone)")
    assert [str(m["To"]) for m in mailbox.messages()] == ["Ada <ada@example.org>"]


def test_the_count_button_works_without_script(app, live_server, new_context, factories, artifacts):
    owner = factories.user(email="maya@example.com", name="Maya")
    pub = factories.publication(owner=owner, slug="steady", name="Steady Letters")
    _tagged(app, factories, pub, "ada@example.org", ["retreat-interest"])
    _tagged(app, factories, pub, "cy@example.org", ["recipes"])
    issue = factories.issue(pub, title="Spring retreat: places open")

    page = new_context("phone", java_script_enabled=False).new_page()
    sign_in(page, live_server, "maya@example.com")
    page.goto(f"{live_server}/dashboard/steady/issues/{issue.id}")
    panel = page.locator(".send-panel")
    panel.get_by_text("Who gets it:").click()
    panel.get_by_role("group", name="Tagged any of").get_by_label("recipes").check()
    panel.get_by_role("button", name="Count").click()
    panel = page.locator(".send-panel")
    expect(panel.locator("[data-segment-recipients]")).to_have_text("to 1 reader in this segment")
    expect(panel.get_by_role("group", name="Tagged any of").get_by_label("recipes")).to_be_checked()
    panel.screenshot(path=str(artifacts / "segment-count-no-script-phone.png"))
    assert_fits_screen(page, "editor after counting without script (phone)")
